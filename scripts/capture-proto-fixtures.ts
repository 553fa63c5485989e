/**
 * Records the request bodies real kubectl binaries send for the `kubectl create` generators,
 * `autoscale` and `auth`, into src/k8s/protobuf/testdata/: `<case>.pb` from kubectl 1.33
 * (protobuf) and `<case>.json` from kubectl 1.31 (JSON) for the same command.
 *
 *   npx node --import tsx scripts/capture-proto-fixtures.ts [--new KUBECTL] [--old KUBECTL] [--only NAME,...]
 *
 * A small capture server (node:http on 127.0.0.1, plain http) answers /version, legacy
 * discovery and the requests just well enough for kubectl to send its body.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src', 'k8s', 'protobuf', 'testdata');

interface Resource {
  name: string;
  kind: string;
  namespaced: boolean;
  subresources?: { name: string; kind: string; group: string; version: string }[];
}
const RESOURCES: Record<string, Resource[]> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    {
      name: 'serviceaccounts',
      kind: 'ServiceAccount',
      namespaced: true,
      subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' }],
    },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'resourcequotas', kind: 'ResourceQuota', namespaced: true },
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'nodes', kind: 'Node', namespaced: false },
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true, subresources: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1' }] },
  ],
  'batch/v1': [
    { name: 'jobs', kind: 'Job', namespaced: true },
    { name: 'cronjobs', kind: 'CronJob', namespaced: true },
  ],
  'rbac.authorization.k8s.io/v1': [
    { name: 'roles', kind: 'Role', namespaced: true },
    { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
    { name: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { name: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  ],
  'policy/v1': [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true }],
  'scheduling.k8s.io/v1': [{ name: 'priorityclasses', kind: 'PriorityClass', namespaced: false }],
  'networking.k8s.io/v1': [{ name: 'ingresses', kind: 'Ingress', namespaced: true }],
  'autoscaling/v2': [{ name: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true }],
  'autoscaling/v1': [{ name: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true }],
  'authorization.k8s.io/v1': [
    { name: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false },
    { name: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false },
  ],
  'authentication.k8s.io/v1': [
    { name: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
    { name: 'tokenreviews', kind: 'TokenReview', namespaced: false },
  ],
};

/** Objects the GETs of `autoscale` and `create job --from` read. */
const EXISTING: Record<string, Record<string, unknown>> = {
  '/apis/apps/v1/namespaces/default/deployments/web': {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', namespace: 'default', uid: '0b8f2b7e-5c1a-4c1e-9a43-6f0d2f7b1a11', resourceVersion: '5' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
    },
  },
  '/apis/batch/v1/namespaces/default/cronjobs/nightly': {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: { name: 'nightly', namespace: 'default', uid: '7d9e4c1a-2b3f-4e5d-8a6b-9c0d1e2f3a4b', resourceVersion: '9' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        metadata: { labels: { job: 'nightly' } },
        spec: {
          backoffLimit: 2,
          template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'backup', image: 'busybox', command: ['sh', '-c', 'date'], resources: {} }] } },
        },
      },
    },
  },
};

interface Case {
  name: string;
  args: string[];
  /**
   * kubectl 1.31 sends a different object (e.g. `autoscale` writes autoscaling/v1, 1.33 writes v2):
   * take the JSON twin from kubectl 1.33's own `--dry-run=client -o json` (Go's encoding/json too).
   */
  jsonFromDryRun?: boolean;
  /** Record the protobuf body from this kubectl instead (1.32 still writes autoscaling/v1). */
  protobufFrom?: string;
}

function cases(files: Record<string, string>): Case[] {
  return [
    { name: 'namespace', args: ['create', 'namespace', 'demo'] },
    { name: 'namespace-save-config', args: ['create', 'namespace', 'saved', '--save-config'] },
    {
      name: 'configmap',
      args: ['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=empty=', '--from-file=blob.bin=' + files.binary],
    },
    { name: 'configmap-env-file', args: ['create', 'configmap', 'env', '--from-env-file=' + files.env] },
    {
      name: 'secret-generic',
      args: ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cr3t', '--from-file=key.bin=' + files.binary],
    },
    { name: 'secret-generic-typed', args: ['create', 'secret', 'generic', 'typed', '--type=example.com/custom', '--from-literal=a=b'] },
    { name: 'secret-tls', args: ['create', 'secret', 'tls', 'tls-cert', '--cert=' + files.cert, '--key=' + files.key] },
    {
      name: 'secret-docker-registry',
      args: [
        'create',
        'secret',
        'docker-registry',
        'pull',
        '--docker-server=registry.example.com',
        '--docker-username=u',
        '--docker-password=p',
        '--docker-email=u@example.com',
      ],
    },
    { name: 'serviceaccount', args: ['create', 'serviceaccount', 'robot'] },
    { name: 'service-clusterip', args: ['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--tcp=443:https'] },
    { name: 'service-clusterip-headless', args: ['create', 'service', 'clusterip', 'headless', '--clusterip=None'] },
    { name: 'service-nodeport', args: ['create', 'service', 'nodeport', 'np', '--tcp=5678:8080', '--node-port=30080'] },
    { name: 'service-loadbalancer', args: ['create', 'service', 'loadbalancer', 'lb', '--tcp=443:8443'] },
    { name: 'service-externalname', args: ['create', 'service', 'externalname', 'ext', '--external-name=db.example.com'] },
    { name: 'deployment', args: ['create', 'deployment', 'web', '--image=nginx', '--replicas=0', '--port=80'] },
    { name: 'deployment-multi', args: ['create', 'deployment', 'multi', '--image=nginx', '--image=redis:7', '--replicas=3'] },
    { name: 'job', args: ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi'] },
    { name: 'job-from-cronjob', args: ['create', 'job', 'manual', '--from=cronjob/nightly'] },
    { name: 'cronjob', args: ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--restart=OnFailure', '--', 'date'] },
    { name: 'role', args: ['create', 'role', 'reader', '--verb=get,list,watch', '--resource=pods,deployments.apps,pods/log', '--resource-name=one'] },
    { name: 'clusterrole', args: ['create', 'clusterrole', 'viewer', '--verb=get,list', '--resource=nodes,pods'] },
    { name: 'clusterrole-nonresource', args: ['create', 'clusterrole', 'logs', '--verb=get', '--non-resource-url=/logs/*', '--non-resource-url=/healthz'] },
    { name: 'clusterrole-aggregated', args: ['create', 'clusterrole', 'agg', '--aggregation-rule=rbac.example.com/aggregate=true'] },
    { name: 'rolebinding', args: ['create', 'rolebinding', 'read', '--role=reader', '--user=alice', '--group=devs', '--serviceaccount=default:robot'] },
    { name: 'clusterrolebinding', args: ['create', 'clusterrolebinding', 'view', '--clusterrole=viewer', '--user=bob'] },
    { name: 'quota', args: ['create', 'quota', 'limits', '--hard=cpu=1,memory=1Gi,pods=2,requests.storage=1.5Gi,limits.cpu=500m'] },
    { name: 'quota-scoped', args: ['create', 'quota', 'besteffort', '--hard=pods=10', '--scopes=BestEffort'] },
    { name: 'pdb-min-available', args: ['create', 'pdb', 'half', '--selector=app=web', '--min-available=50%'] },
    { name: 'pdb-max-unavailable', args: ['create', 'pdb', 'one', '--selector=app=web,tier in (front)', '--max-unavailable=1'] },
    { name: 'priorityclass', args: ['create', 'priorityclass', 'high', '--value=1000', '--description=important', '--preemption-policy=Never'] },
    { name: 'priorityclass-default', args: ['create', 'priorityclass', 'base', '--value=0', '--global-default=true'] },
    {
      name: 'ingress',
      args: [
        'create',
        'ingress',
        'site',
        '--class=nginx',
        '--rule=foo.example.com/bar=svc1:8080,tls=site-tls',
        '--rule=/path*=svc2:http',
        '--annotation=a.example.com/x=1',
      ],
    },
    { name: 'ingress-default-backend', args: ['create', 'ingress', 'catchall', '--default-backend=fallback:80'] },
    { name: 'token', args: ['create', 'token', 'robot', '--duration=10m', '--audience=api', '--audience=vault'] },
    { name: 'token-bound', args: ['create', 'token', 'robot', '--bound-object-kind=Pod', '--bound-object-name=p1', '--bound-object-uid=1234'] },
    { name: 'autoscale', args: ['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=80'], jsonFromDryRun: true },
    { name: 'autoscale-v1', args: ['autoscale', 'deployment', 'web', '--max=3', '--cpu-percent=50'], protobufFrom: 'kubectl.1.32' },
    { name: 'auth-can-i', args: ['auth', 'can-i', 'get', 'pods', '--subresource=log'] },
    { name: 'auth-can-i-all-namespaces', args: ['auth', 'can-i', 'delete', 'deployments.apps/web', '--all-namespaces'] },
    { name: 'auth-can-i-nonresource', args: ['auth', 'can-i', 'get', '/logs'] },
    { name: 'auth-can-i-list', args: ['auth', 'can-i', '--list'] },
    { name: 'auth-whoami', args: ['auth', 'whoami'] },
  ];
}

interface Captured {
  contentType: string;
  body: Buffer;
  path: string;
}

function kindFor(path: string): { apiVersion: string; kind: string } {
  for (const [gv, resources] of Object.entries(RESOURCES)) {
    const prefix = gv === 'v1' ? '/api/v1/' : `/apis/${gv}/`;
    if (!path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split('/');
    const rest = parts[0] === 'namespaces' && parts.length > 2 ? parts.slice(2) : parts;
    const res = resources.find((r) => r.name === rest[0]);
    const sub = rest[2] ? res?.subresources?.find((s) => s.name === rest[2]) : undefined;
    if (sub) return { apiVersion: `${sub.group}/${sub.version}`, kind: sub.kind };
    if (res) return { apiVersion: gv, kind: res.kind };
  }
  return { apiVersion: 'v1', kind: 'Status' };
}

function answer(req: IncomingMessage, res: ServerResponse, body: Buffer, captured: Captured[], port: number): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, obj: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  if (url.pathname === '/version') return send(200, { major: '1', minor: '33', gitVersion: 'v1.33.1', platform: 'linux/amd64' });
  if (url.pathname === '/api')
    return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] });
  if (url.pathname === '/apis') {
    const groups = new Map<string, string[]>();
    for (const gv of Object.keys(RESOURCES).filter((gv) => gv !== 'v1')) {
      const [group, version] = gv.split('/');
      groups.set(group, [...(groups.get(group) ?? []), version]);
    }
    return send(200, {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    });
  }
  const gv = url.pathname === '/api/v1' ? 'v1' : url.pathname.startsWith('/apis/') ? url.pathname.slice(6) : '';
  if (RESOURCES[gv]) {
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    return send(200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: RESOURCES[gv].flatMap((r) => [
        { name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs },
        ...(r.subresources ?? []).map((s) => ({
          name: `${r.name}/${s.name}`,
          singularName: '',
          namespaced: r.namespaced,
          group: s.group,
          version: s.version,
          kind: s.kind,
          verbs: ['create', 'get', 'update'],
        })),
      ]),
    });
  }
  if (req.method === 'GET' && EXISTING[url.pathname]) return send(200, EXISTING[url.pathname]);
  if (req.method === 'POST') {
    captured.push({ contentType: req.headers['content-type'] ?? '', body, path: url.pathname });
    const { apiVersion, kind } = kindFor(url.pathname);
    return send(201, {
      kind,
      apiVersion,
      metadata: {
        name: 'captured',
        namespace: 'default',
        uid: '00000000-0000-0000-0000-000000000001',
        resourceVersion: '1',
        creationTimestamp: '2025-01-01T00:00:00Z',
      },
      status: {
        allowed: true,
        token: 'captured-token',
        expirationTimestamp: '2025-01-01T01:00:00Z',
        userInfo: { username: 'captured' },
        resourceRules: [],
        nonResourceRules: [],
        incomplete: false,
      },
    });
  }
  send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<number> {
  // The versioned kubectl binaries beside the dispatcher on PATH.
  const kubectlDir = '/usr/lib/google-cloud-sdk/bin';
  const newKubectl = option(args, '--new') ?? join(kubectlDir, 'kubectl.1.33');
  const oldKubectl = option(args, '--old') ?? join(kubectlDir, 'kubectl.1.31');
  const only = option(args, '--only')?.split(',');

  const work = mkdtempSync(join(tmpdir(), 'proto-capture-'));
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks), captured, (server.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const files = {
      binary: join(work, 'blob.bin'),
      env: join(work, 'app.env'),
      cert: join(work, 'tls.crt'),
      key: join(work, 'tls.key'),
    };
    writeFileSync(files.binary, Uint8Array.of(0, 1, 2, 0xfe, 0xff, 0x80, 10));
    writeFileSync(files.env, 'LOG_LEVEL=debug\nEMPTY=\n# comment\nQUOTED="a b"\n');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=example.com',
      '-keyout',
      files.key,
      '-out',
      files.cert,
    ]);
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`,
    );
    mkdirSync(outDir, { recursive: true });
    const index: Record<string, string[]> = {};
    let failures = 0;
    for (const c of cases(files)) {
      if (only && !only.includes(c.name)) continue;
      const bodies: Captured[] = [];
      let stderr = '';
      const protobufKubectl = c.protobufFrom ? join(dirname(newKubectl), c.protobufFrom) : newKubectl;
      for (const kubectl of [protobufKubectl, oldKubectl]) {
        captured.length = 0;
        const env = { ...process.env, HOME: work, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(work, 'cache', `${c.name}-${bodies.length}`) };
        const dryRun = c.jsonFromDryRun && kubectl === oldKubectl;
        const args = dryRun ? [...c.args, '--dry-run=client', '-o', 'json'] : c.args;
        const result = await run(dryRun ? protobufKubectl : kubectl, [...args, '--request-timeout=10s'], { env, timeout: 30_000 }).catch(
          (err: { stderr?: string }) => {
            stderr += err.stderr ?? '';
            return undefined;
          },
        );
        // The first POST is the body (`auth whoami` tries older API versions after a failure).
        if (dryRun && result) bodies.push({ contentType: 'application/json', body: Buffer.from(JSON.stringify(JSON.parse(result.stdout))), path: 'dry-run' });
        else bodies.push(captured[0]);
      }
      const [pb, json] = bodies;
      if (!pb?.contentType.startsWith('application/vnd.kubernetes.protobuf') || !json?.contentType.startsWith('application/json')) {
        console.error(`${c.name}: expected protobuf then JSON bodies, got ${pb?.contentType ?? 'none'} and ${json?.contentType ?? 'none'}\n${stderr}`);
        failures++;
        continue;
      }
      writeFileSync(join(outDir, `${c.name}.pb`), pb.body);
      writeFileSync(join(outDir, `${c.name}.json`), json.body);
      index[c.name] = [
        'kubectl',
        ...c.args.map((a) => a.replace(work, '<tmp>')),
        ...(c.jsonFromDryRun ? ['# JSON twin: kubectl 1.33 --dry-run=client -o json'] : []),
        ...(c.protobufFrom ? [`# protobuf body from ${c.protobufFrom}`] : []),
      ];
      console.log(`${c.name}: ${pb.body.length} bytes protobuf, ${json.body.length} bytes JSON (${pb.path})`);
    }
    const lines = Object.entries(index).map(([name, argv]) => `  ${JSON.stringify(name)}: ${JSON.stringify(argv)}`);
    if (!only) writeFileSync(join(outDir, 'commands.json'), `{\n${lines.join(',\n')}\n}\n`);
    return failures === 0 ? 0 : 1;
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
