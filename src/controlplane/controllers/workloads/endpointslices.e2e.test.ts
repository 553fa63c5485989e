/**
 * End-to-end: EndpointSlices of a Deployment's Service on the embedded control plane with
 * simulated workloads, through its HTTP API and through the real kubectl 1.33 (which reads
 * EndpointSlices for `describe service`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../../index.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const SLICES = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';

let cp: ControlPlane;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eps-e2e-'));
  cp = await startControlPlane({ port: 0, insecureHttp: true, simulateWorkloads: true, simulation: { stepMs: 20 }, kubeconfigPath: join(dir, 'kubeconfig') });
});
after(async () => {
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Any = Record<string, any>;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Any }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${cp.token}` };
  if (body !== undefined) headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  const res = await fetch(cp.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Any };
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let last = await get();
  while (!ok(last)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 25));
    last = await get();
  }
  return last;
}

const slicesOf = async (service: string) => ((await api('GET', `${SLICES}?labelSelector=kubernetes.io%2Fservice-name%3D${service}`)).body.items ?? []) as Any[];
const readyIps = (slices: Any[]) =>
  slices
    .flatMap((s) => (s.endpoints ?? []) as Any[])
    .filter((e) => e.conditions.ready)
    .map((e) => e.addresses[0] as string)
    .sort();
const podIps = async (app: string) =>
  (((await api('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items ?? []) as Any[])
    .filter((p) => p.status?.conditions?.some((c: Any) => c.type === 'Ready' && c.status === 'True') && !p.metadata.deletionTimestamp)
    .map((p) => p.status.podIP as string)
    .sort();

function kubectl(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

test('a Deployment behind a Service: slices list the ready pods, follow a scale-down and go with the Service', async () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  };
  assert.equal((await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).status, 201);
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
  };
  assert.equal((await api('POST', '/api/v1/namespaces/default/services', svc)).status, 201);

  const ready = await until(
    'three ready pods',
    () => podIps('web'),
    (ips) => ips.length === 3,
  );
  const slices = await until(
    'slices of the three pods',
    () => slicesOf('web'),
    (s) => readyIps(s).join() === ready.join(),
  );
  assert.equal(slices.length, 1);
  assert.deepEqual(slices[0].ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
  assert.equal(slices[0].metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');

  const scaled = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { replicas: 1 } });
  assert.equal(scaled.status, 200);
  const remaining = await until(
    'one pod left',
    () => podIps('web'),
    (ips) => ips.length === 1,
  );
  await until(
    'slices of the one pod',
    () => slicesOf('web'),
    (s) => s.flatMap((x) => x.endpoints ?? []).length === 1 && readyIps(s).join() === remaining.join(),
  );

  assert.equal((await api('DELETE', '/api/v1/namespaces/default/services/web')).status, 200);
  await until(
    'slices collected',
    () => slicesOf('web'),
    (s) => s.length === 0,
  );
});

test(
  'kubectl 1.33 describe service shows the endpoints from the slices; get endpointslices prints them',
  { skip: !existsSync(KUBECTL) && `${KUBECTL} is not installed` },
  async () => {
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'api' },
      spec: {
        replicas: 2,
        selector: { app: 'api' },
        template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'nginx:1.25' }] } },
      },
    };
    assert.equal((await api('POST', '/api/v1/namespaces/default/replicationcontrollers', rc)).status, 201);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ port: 8443 }] } };
    assert.equal((await api('POST', '/api/v1/namespaces/default/services', svc)).status, 201);
    const ips = await until(
      'two ready pods',
      () => podIps('api'),
      (x) => x.length === 2,
    );
    await until(
      'slices of the two pods',
      () => slicesOf('api'),
      (s) => readyIps(s).join() === ips.join(),
    );

    const described = await kubectl('describe', 'service', 'api');
    assert.equal(described.code, 0, described.out);
    const line = described.out.split('\n').find((l) => l.startsWith('Endpoints:'));
    assert.ok(line, described.out);
    const shown = line!.slice('Endpoints:'.length).trim().split(',').sort();
    assert.deepEqual(shown, ips.map((ip) => `${ip}:8443`).sort());

    const got = await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=api');
    assert.equal(got.code, 0, got.out);
    const [header, row] = got.out.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    const cells = row.split(/\s+/);
    assert.match(cells[0], /^api-[a-z0-9]{5}$/);
    assert.deepEqual([cells[1], cells[2], cells[3].split(',').sort().join()], ['IPv4', '8443', ips.join()]);
  },
);

test(
  'kubectl 1.33 describe service shows hand-written Endpoints of a Service without a selector (mirrored slices)',
  { skip: !existsSync(KUBECTL) && `${KUBECTL} is not installed` },
  async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'external-db' }, spec: { ports: [{ port: 5432 }] } };
    assert.equal((await api('POST', '/api/v1/namespaces/default/services', svc)).status, 201);
    const ep = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external-db' },
      subsets: [{ addresses: [{ ip: '192.168.10.5' }], ports: [{ port: 5432 }] }],
    };
    assert.equal((await api('POST', '/api/v1/namespaces/default/endpoints', ep)).status, 201);
    const [slice] = await until(
      'mirrored slice',
      () => slicesOf('external-db'),
      (s) => s.length === 1,
    );
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    const described = await kubectl('describe', 'service', 'external-db');
    assert.match(described.out, /^Endpoints:\s+192\.168\.10\.5:5432$/m, described.out);
  },
);
