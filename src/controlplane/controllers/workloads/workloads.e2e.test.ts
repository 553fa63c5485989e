/**
 * End-to-end: the embedded control plane with simulated workloads, driven only through its
 * HTTP API (as kubectl and the manager use it).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../../index.js';
import { readTar } from './tar.js';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ port: 0, insecureHttp: true, simulateWorkloads: true, simulation: { stepMs: 20 } });
});
after(async () => {
  await cp.stop();
});

type Any = Record<string, any>;

async function api(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Any }> {
  const res = await fetch(cp.url + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

async function create(path: string, obj: Any): Promise<Any> {
  const r = await api('POST', path, obj);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** Polls `get` until `ok` holds (or fails the test after `ms`). */
async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T = await get();
  while (!ok(last)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 25));
    last = await get();
  }
  return last;
}

const get = async (path: string) => (await api('GET', path)).body;
const cond = (o: Any, type: string): Any => ((o.status?.conditions ?? []) as Any[]).find((c) => c.type === type) ?? {};

function deployment(name: string, image: string, replicas = 2): Any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] } },
    },
  };
}

test('a Deployment becomes Available and a template change rolls its pods over to a new ReplicaSet', async () => {
  await create('/apis/apps/v1/namespaces/default/deployments', deployment('web', 'nginx:1.25'));
  const path = '/apis/apps/v1/namespaces/default/deployments/web';
  const d = await until(
    'Available',
    () => get(path),
    (o) => cond(o, 'Available').status === 'True' && o.status.availableReplicas === 2 && o.status.observedGeneration === o.metadata.generation,
  );
  assert.equal(cond(d, 'Progressing').reason, 'NewReplicaSetAvailable');
  assert.equal(d.status.updatedReplicas, 2);
  assert.equal(d.metadata.generation, 1, 'the revision annotation is written through /status and does not bump the generation');
  const rsList = (await get('/apis/apps/v1/namespaces/default/replicasets')).items as Any[];
  const first = rsList.find((r) => r.metadata.ownerReferences?.[0]?.name === 'web')!;
  const hash = first.metadata.labels['pod-template-hash'];
  assert.equal(first.metadata.name, `web-${hash}`);
  assert.equal(first.metadata.annotations['deployment.kubernetes.io/revision'], '1');
  const pods = (await get(`/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`)).items as Any[];
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.spec.nodeName, 'local-node');
    assert.equal(cond(p, 'Ready').status, 'True');
    assert.equal(p.status.containerStatuses[0].state.running !== undefined, true);
    assert.match(p.status.podIP, /^10\.244\./);
  }

  const patched = await api(
    'PATCH',
    path,
    { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } },
    'application/strategic-merge-patch+json',
  );
  assert.equal(patched.status, 200);
  assert.equal(patched.body.metadata.generation, 2);
  const rolled = await until(
    'rollout',
    () => get(path),
    (o) =>
      o.status.observedGeneration === 2 &&
      o.status.updatedReplicas === 2 &&
      o.status.availableReplicas === 2 &&
      o.status.replicas === 2 &&
      cond(o, 'Progressing').reason === 'NewReplicaSetAvailable',
  );
  assert.equal(rolled.metadata.annotations['deployment.kubernetes.io/revision'], '2');
  const after = (await get('/apis/apps/v1/namespaces/default/replicasets')).items as Any[];
  const old = after.find((r) => r.metadata.name === first.metadata.name)!;
  assert.equal(old.spec.replicas, 0, 'the old ReplicaSet is scaled down');
  const podsAfter = await until(
    'old pods gone',
    async () => (await get(`/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`)).items as Any[],
    (ps) => ps.length === 2 && ps.every((p) => p.spec.containers[0].image === 'nginx:1.26'),
  );
  assert.ok(podsAfter.every((p) => p.metadata.labels['pod-template-hash'] !== hash));
  const events = ((await get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb')).items as Any[]).map(
    (e) => `${e.reason}: ${e.message}`,
  );
  assert.ok(events.includes(`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 2`), events.join('\n'));
});

test('a StatefulSet creates its pods in order with their PVCs, which get bound', async () => {
  await create('/apis/apps/v1/namespaces/default/statefulsets', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      replicas: 3,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }],
    },
  });
  const created: string[] = [];
  // Watch creation order through the pods' creation: db-1 must not exist before db-0 is ready.
  const sts = await until(
    'StatefulSet ready',
    async () => {
      const pods = (await get('/api/v1/namespaces/default/pods?labelSelector=app%3Ddb')).items as Any[];
      for (const p of pods) if (!created.includes(p.metadata.name)) created.push(p.metadata.name);
      for (const p of pods) {
        const ordinal = Number(p.metadata.name.split('-')[1]);
        for (let i = 0; i < ordinal; i++) {
          const prev = pods.find((x) => x.metadata.name === `db-${i}`);
          assert.ok(prev, `db-${ordinal} exists before db-${i}`);
        }
      }
      return get('/apis/apps/v1/namespaces/default/statefulsets/db');
    },
    (o) => o.status?.readyReplicas === 3 && o.status.currentRevision === o.status.updateRevision && o.status.observedGeneration === 1,
  );
  assert.deepEqual(created, ['db-0', 'db-1', 'db-2']);
  assert.equal(sts.status.updatedReplicas, 3);
  const pvcs = (await get('/api/v1/namespaces/default/persistentvolumeclaims')).items as Any[];
  const names = pvcs.map((p) => p.metadata.name).filter((n) => n.startsWith('data-db-'));
  assert.deepEqual(names.sort(), ['data-db-0', 'data-db-1', 'data-db-2']);
  for (const pvc of pvcs.filter((p) => p.metadata.name.startsWith('data-db-'))) {
    assert.equal(pvc.status.phase, 'Bound');
    assert.deepEqual(pvc.status.capacity, { storage: '2Gi' });
    const pv = await get(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
    assert.equal(pv.status.phase, 'Bound');
    assert.equal(pv.spec.claimRef.name, pvc.metadata.name);
  }
  const pod = await get('/api/v1/namespaces/default/pods/db-1');
  assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], 'db-1');
  assert.equal(pod.metadata.labels['controller-revision-hash'], sts.status.updateRevision);
  assert.deepEqual(
    pod.spec.volumes.find((v: Any) => v.name === 'data'),
    { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } },
  );
  const bad = await api('PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db', { spec: { serviceName: 'other' } }, 'application/merge-patch+json');
  assert.equal(bad.status, 422);
  assert.match(bad.body.message, /spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
});

function job(name: string, script: string, extra: Any = {}): Any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...extra, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', script] }] } } },
  };
}

test('a Job runs its pods to completion; its pod logs what the container echoed', async () => {
  await create('/apis/batch/v1/namespaces/default/jobs', job('ok', 'echo hello from the job; echo second line', { completions: 2, parallelism: 1 }));
  const j = await until(
    'Complete',
    () => get('/apis/batch/v1/namespaces/default/jobs/ok'),
    (o) => cond(o, 'Complete').status === 'True',
  );
  assert.equal(j.status.succeeded, 2);
  assert.ok(j.status.completionTime);
  assert.equal(cond(j, 'SuccessCriteriaMet').status, 'True');
  assert.deepEqual(Object.keys(j.spec.selector.matchLabels), ['batch.kubernetes.io/controller-uid']);
  const pods = (await get(`/api/v1/namespaces/default/pods?labelSelector=job-name%3Dok`)).items as Any[];
  assert.equal(pods.length, 2);
  assert.ok(pods.every((p) => p.status.phase === 'Succeeded' && p.status.containerStatuses[0].state.terminated.exitCode === 0));
  const log = await fetch(`${cp.url}/api/v1/namespaces/default/pods/${pods[0].metadata.name}/log`);
  assert.equal(await log.text(), 'hello from the job\nsecond line\n');
  const tail = await fetch(`${cp.url}/api/v1/namespaces/default/pods/${pods[0].metadata.name}/log?tailLines=1`);
  assert.equal(await tail.text(), 'second line\n');
  const events = ((await get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dok')).items as Any[]).map((e) => e.reason);
  assert.ok(events.includes('SuccessfulCreate') && events.includes('Completed'), events.join(','));
});

test('a Job whose container exits non-zero fails with BackoffLimitExceeded', async () => {
  await create('/apis/batch/v1/namespaces/default/jobs', job('fails', 'echo trying; exit 3', { backoffLimit: 1 }));
  const j = await until(
    'Failed',
    () => get('/apis/batch/v1/namespaces/default/jobs/fails'),
    (o) => cond(o, 'Failed').status === 'True',
  );
  assert.equal(cond(j, 'Failed').reason, 'BackoffLimitExceeded');
  assert.equal(cond(j, 'Failed').message, 'Job has reached the specified backoff limit');
  assert.equal(j.status.failed, 2);
  const pods = (await get(`/api/v1/namespaces/default/pods?labelSelector=job-name%3Dfails`)).items as Any[];
  assert.ok(pods.every((p) => p.status.phase === 'Failed' && p.status.containerStatuses[0].state.terminated.exitCode === 3));
  const warning = ((await get('/api/v1/namespaces/default/events?fieldSelector=reason%3DBackoffLimitExceeded')).items as Any[])[0];
  assert.equal(warning.type, 'Warning');
});

test('a Job running longer than activeDeadlineSeconds fails with DeadlineExceeded', async () => {
  await create('/apis/batch/v1/namespaces/default/jobs', job('slow', 'sleep 30', { activeDeadlineSeconds: 1 }));
  const j = await until(
    'Failed',
    () => get('/apis/batch/v1/namespaces/default/jobs/slow'),
    (o) => cond(o, 'Failed').status === 'True',
    5000,
  );
  assert.equal(cond(j, 'Failed').reason, 'DeadlineExceeded');
});

test('a pod whose image cannot be pulled stays Pending and not ready, with ImagePullBackOff', async () => {
  await create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nopull' },
    spec: { containers: [{ name: 'c', image: 'registry.example.com/nonexistent/app:1.0' }] },
  });
  const p = await until(
    'ImagePullBackOff',
    () => get('/api/v1/namespaces/default/pods/nopull'),
    (o) => o.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
  );
  assert.equal(p.status.phase, 'Pending');
  assert.equal(cond(p, 'Ready').status, 'False');
  assert.equal(cond(p, 'Ready').reason, 'ContainersNotReady');
  assert.equal(p.status.containerStatuses[0].ready, false);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await get('/api/v1/namespaces/default/pods/nopull')).status.phase, 'Pending', 'it stays not ready');
});

test('a Service gets Endpoints listing its ready pods', async () => {
  await create('/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80 }] },
  });
  const ep = await until(
    'endpoints',
    () => get('/api/v1/namespaces/default/endpoints/web'),
    (o) => o.subsets?.[0]?.addresses?.length === 2,
  );
  assert.deepEqual(ep.subsets[0].ports, [{ port: 80, protocol: 'TCP' }]);
});

/** Runs `command` in a pod over the exec WebSocket; returns the channel data and the v4 status. */
async function exec(pod: string, container: string, command: string[]): Promise<{ stdout: Buffer; stderr: string; status: Any; protocol: string }> {
  const q = new URLSearchParams([...command.map((c): [string, string] => ['command', c]), ['container', container], ['stdout', 'true'], ['stderr', 'true']]);
  const ws = new WebSocket(`${cp.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/${pod}/exec?${q}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  ws.binaryType = 'arraybuffer';
  const out: Buffer[] = [];
  let stderr = '';
  let status: Any = {};
  await new Promise<void>((resolve, reject) => {
    ws.onmessage = (m) => {
      const data = Buffer.from(m.data as ArrayBuffer);
      if (data[0] === 1) out.push(data.subarray(1));
      else if (data[0] === 2) stderr += data.subarray(1).toString();
      else if (data[0] === 3) status = JSON.parse(data.subarray(1).toString());
    };
    ws.onclose = () => resolve();
    ws.onerror = (e) => reject(new Error(String((e as { message?: string }).message ?? 'websocket error')));
  });
  return { stdout: Buffer.concat(out), stderr, status, protocol: ws.protocol };
}

test('pods/exec: stat and tar of a file an init container wrote, non-zero exits and unknown commands', async () => {
  await create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pipe' },
    spec: {
      restartPolicy: 'OnFailure',
      volumes: [{ name: 'shared', emptyDir: {} }],
      initContainers: [
        {
          name: 'init',
          image: 'busybox',
          command: ['sh', '-c'],
          args: ['mkdir -p /tmp/out && echo "hello world" > /tmp/out/file.txt\ncat <<EOF > /tmp/out/env\nKEY=value\nEOF\n'],
          volumeMounts: [{ name: 'shared', mountPath: '/tmp/out' }],
        },
      ],
      containers: [
        { name: 'waiter', image: 'busybox', command: ['/bin/sh', '-c', 'sleep infinity'], volumeMounts: [{ name: 'shared', mountPath: '/tmp/out' }] },
      ],
    },
  });
  await until(
    'Ready',
    () => get('/api/v1/namespaces/default/pods/pipe'),
    (o) => cond(o, 'Ready').status === 'True',
  );
  const stat = await exec('pipe', 'waiter', ['stat', '-c', '%s', '/tmp/out/file.txt']);
  assert.equal(stat.protocol, 'v5.channel.k8s.io');
  assert.equal(stat.stdout.toString(), '12\n');
  assert.equal(stat.status.status, 'Success');
  const tar = await exec('pipe', 'waiter', ['tar', 'cf', '-', '/tmp/out/file.txt']);
  assert.equal(tar.stdout.length % 10240, 0, 'tar output comes in 10 KiB records');
  const entries = readTar(tar.stdout);
  assert.deepEqual(
    entries.map((e) => [e.name, e.data.toString()]),
    [['tmp/out/file.txt', 'hello world\n']],
  );
  const env = await exec('pipe', 'waiter', ['cat', '/tmp/out/env']);
  assert.equal(env.stdout.toString(), 'KEY=value\n');
  const failing = await exec('pipe', 'waiter', ['sh', '-c', 'echo oops >&2; exit 3']);
  assert.equal(failing.status.status, 'Failure');
  assert.equal(failing.status.reason, 'NonZeroExitCode');
  assert.deepEqual(failing.status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  const unknown = await exec('pipe', 'waiter', ['curl', 'http://example.com']);
  assert.equal(unknown.status.details.causes[0].message, '127');
  assert.match(unknown.stderr, /curl: not found/);
});

test('pods/exec of a pod that does not exist answers 404 before upgrading', async () => {
  const { request } = await import('node:http');
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${cp.url}/api/v1/namespaces/default/pods/nope/exec?command=ls`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol': 'v4.channel.k8s.io',
      },
    });
    req.on('upgrade', () => reject(new Error('upgraded for a pod that does not exist')));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(answer.status, 404);
  assert.equal(JSON.parse(answer.body).message, 'pods "nope" not found');
});

test('deleting a running pod: Terminating first, then gone once the simulated kubelet stopped it', async () => {
  await create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'graceful' },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
  });
  await until(
    'Running',
    () => get('/api/v1/namespaces/default/pods/graceful'),
    (o) => o.status?.phase === 'Running',
  );
  const del = await api('DELETE', '/api/v1/namespaces/default/pods/graceful');
  assert.equal(del.status, 200);
  assert.ok(del.body.metadata.deletionTimestamp, 'the pod is marked for deletion first');
  assert.equal(del.body.metadata.deletionGracePeriodSeconds, 30);
  await until(
    'gone',
    () => api('GET', '/api/v1/namespaces/default/pods/graceful'),
    (r) => r.status === 404,
  );
});
