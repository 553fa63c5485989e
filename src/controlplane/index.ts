/**
 * The local control plane as a library: an embedded Kubernetes API server on a free port,
 * with its in-process controllers, for tests and for `kubectl kudo cluster start`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createCertificate, createSelfSignedCa, generateKeyPair } from '../crypto/x509.js';
import { AccessControl, type AuthorizationMode } from './auth/access.js';
import { join } from 'node:path';
import { registerBuiltins } from './apiserver/builtins.js';
import { ApiCore } from './apiserver/core.js';
import { CrdSupport } from './apiserver/crd.js';
import { Registry } from './apiserver/registry.js';
import { ApiServer } from './apiserver/server.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { ResourceQuotaController, withQuotaAdmission } from './controllers/resource-quota.js';
import { NamespaceController } from './controllers/namespaces.js';
import { WebhookAdmission } from './admission/webhooks.js';
import { installBuiltinPolicies } from './admission/builtin-policies.js';
import { startSimulatedWorkloads, startWorkloadControllers, type SimOptions, type SimulatedWorkloads } from './controllers/workloads/index.js';
import { handleExecUpgrade, refuseUpgrade } from './controllers/workloads/exec.js';
import { renderKubeconfig, writeKubeconfig } from './kubeconfig.js';
import { DurableLog } from './storage/wal.js';
import { Store } from './storage/store.js';

export interface ControlPlaneOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep objects on disk here (every acknowledged write is fsync'ed); in memory when absent. */
  dataDir?: string;
  /** Serve plain HTTP instead of HTTPS with a generated CA: no authentication or authorisation, loopback only. */
  insecureHttp?: boolean;
  /** How HTTPS requests are authorised: RBAC (default) or everything allowed. */
  authorization?: AuthorizationMode;
  simulateWorkloads?: boolean;
  /** Tuning of the simulated workloads: step delay (ms), which images fail to pull, node names. */
  simulation?: Omit<SimOptions, 'log'>;
  /** Also write the kubeconfig to this file. */
  kubeconfigPath?: string;
  log?: (line: string) => void;
  /** Watch tuning, mostly for tests: blank-line keep-alives and BOOKMARK intervals (ms). */
  watchHeartbeatMs?: number;
  watchBookmarkMs?: number;
  /** Change events kept for resuming watches (default 20,000). */
  watchHistory?: number;
}

export interface ControlPlane {
  url: string;
  /** Kubeconfig YAML text. */
  kubeconfig: string;
  kubeconfigPath?: string;
  token: string;
  caPem?: string;
  /** Authentication and RBAC: client certificates (`issueClientCertificate`), the authorizer, token issuing. */
  access: AccessControl;
  /** In-process access for controllers and tests: the API semantics without HTTP. */
  core: ApiCore;
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const KUBERNETES_SERVICE_IP = '10.96.0.1';
const SYSTEM_PRIORITY_CLASSES = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  {
    name: 'system-cluster-critical',
    value: 2000000000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const host = opts.host ?? '127.0.0.1';
  const registry = new Registry();
  const store = new Store({ log: opts.dataDir ? new DurableLog(opts.dataDir) : undefined, historySize: opts.watchHistory });
  const services = () => store.list('/services') as { spec?: { clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number }[] } }[];
  registerBuiltins(registry, {
    clusterIpInUse: (ip) => ip === KUBERNETES_SERVICE_IP || services().some((s) => s.spec?.clusterIP === ip || s.spec?.clusterIPs?.includes(ip)),
    nodePortInUse: (port) => services().some((s) => s.spec?.ports?.some((p) => p.nodePort === port)),
  });
  installBuiltinPolicies(registry);
  const core = new ApiCore(store, registry);
  new CrdSupport(core, registry).install();
  // System namespaces exist before anything (controllers, access control) writes into them.
  const nsType = registry.lookup('', 'v1', 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES)
    if (!core.tryGet(nsType, undefined, name)) core.create(nsType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

  const token = opts.dataDir ? persisted(join(opts.dataDir, 'token'), () => randomBytes(24).toString('hex')) : randomBytes(24).toString('hex');
  let tls: { caPem: string; caKey: KeyObject; certPem: string; keyPem: string } | undefined;
  if (opts.insecureHttp && !isLoopback(host))
    throw new Error(`--insecure-http serves without authentication or authorisation and only on a loopback address, not ${host}`);
  if (opts.insecureHttp) opts.log?.('WARNING: --insecure-http: plain HTTP with NO authentication and NO authorisation; anyone on this machine can do anything');
  if (!opts.insecureHttp) tls = servingCertificate(host, opts.dataDir);

  const access = new AccessControl({
    core,
    insecure: opts.insecureHttp,
    authorization: opts.authorization,
    adminToken: token,
    dataDir: opts.dataDir,
    ca: tls && { certPem: tls.caPem, privateKey: tls.caKey },
  });
  access.start();
  const admission = new WebhookAdmission(core, { log: opts.log, userInfo: () => access.currentUser() });
  const quotas = new ResourceQuotaController(core);
  const api = new ApiServer(core, registry, {
    gate: access,
    heartbeatMs: opts.watchHeartbeatMs,
    bookmarkMs: opts.watchBookmarkMs,
    log: opts.log,
    admission: withQuotaAdmission(quotas, admission),
    // The simulated workloads bring a scheduler; the storage and the controllers always run.
    components: [...(opts.simulateWorkloads ? ['scheduler'] : []), 'controller-manager', 'etcd-0'],
  });
  // Client certificates are asked for but optional; the authenticator trusts only verified ones.
  const server: Server = tls
    ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem, ca: [tls.caPem], requestCert: true, rejectUnauthorized: false }, api.handle)
    : createHttpServer(api.handle);
  server.keepAliveTimeout = 60_000;
  // pods/exec arrives as a WebSocket upgrade; only simulated pods can run commands.
  let workloads: SimulatedWorkloads | undefined;
  server.on('upgrade', (req, socket) => {
    const serve = async () => (workloads ? workloads.upgrade(req, socket) : handleExecUpgrade(req, socket, undefined));
    access.serve(req, serve).catch((e: unknown) => refuseUpgrade(socket, e));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  api.serverAddress = `${host}:${port}`;

  const namespaces = new NamespaceController(core, tls?.caPem ?? '');
  const gc = new GarbageCollector(core);
  namespaces.start();
  gc.start();
  quotas.start();
  // The controllers' pods pass the ResourceQuota check as any create does; admission webhooks,
  // which are asynchronous, see only API clients' writes (a known difference from kube-apiserver).
  const stopWorkloadControllers = startWorkloadControllers(core, {
    log: opts.log,
    admit: (t, namespace, obj) => {
      if (quotas.quotas(namespace).length) quotas.admit(t, namespace, obj);
    },
  });
  // Every cluster has the `kubernetes` Service in `default`, written by kube-apiserver itself. Its
  // Endpoints and EndpointSlice are not: they would name a loopback address, which validation refuses.
  const svcType = registry.lookup('', 'v1', 'services')!;
  if (!core.tryGet(svcType, 'default', 'kubernetes'))
    core.create(
      svcType,
      'default',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: port }],
          clusterIP: KUBERNETES_SERVICE_IP,
          type: 'ClusterIP',
          sessionAffinity: 'None',
          ipFamilyPolicy: 'SingleStack',
        },
      },
      { fieldManager: 'kube-apiserver' },
    );

  // The API server's scheduling bootstrap creates the two system priority classes.
  const pcType = registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  for (const pc of SYSTEM_PRIORITY_CLASSES)
    if (!core.tryGet(pcType, undefined, pc.name))
      core.create(pcType, undefined, {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: pc.name },
        value: pc.value,
        description: pc.description,
      });

  if (opts.simulateWorkloads) workloads = startSimulatedWorkloads(core, { ...opts.simulation, log: opts.log });

  const kubeconfig = renderKubeconfig({ url, token, caPem: tls?.caPem });
  if (opts.kubeconfigPath) writeKubeconfig(opts.kubeconfigPath, kubeconfig);
  opts.log?.(`local control plane serving on ${url}`);

  let stopped = false;
  return {
    url,
    kubeconfig,
    kubeconfigPath: opts.kubeconfigPath,
    token,
    caPem: tls?.caPem,
    access,
    core,
    async stop() {
      if (stopped) return;
      stopped = true;
      access.stop();
      admission.close();
      workloads?.stop();
      gc.stop();
      quotas.stop();
      stopWorkloadControllers();
      namespaces.stop();
      api.closeWatches();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}

/** Reads a small secret from the data dir, creating it on first use so kubeconfigs survive restarts. */
function persisted(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = create();
  writeFileSync(path, value + '\n', { mode: 0o600 });
  return value;
}

/** A CA and a serving certificate for 127.0.0.1 (kept in the data dir so kubeconfigs stay valid). */
function servingCertificate(host: string, dataDir: string | undefined): { caPem: string; caKey: KeyObject; certPem: string; keyPem: string } {
  const files = dataDir && {
    ca: join(dataDir, 'ca.crt'),
    caKey: join(dataDir, 'ca.key'),
    cert: join(dataDir, 'serving.crt'),
    key: join(dataDir, 'serving.key'),
  };
  if (files && existsSync(files.ca) && existsSync(files.caKey) && existsSync(files.cert) && existsSync(files.key))
    return {
      caPem: readFileSync(files.ca, 'utf8'),
      caKey: createPrivateKey(readFileSync(files.caKey, 'utf8')),
      certPem: readFileSync(files.cert, 'utf8'),
      keyPem: readFileSync(files.key, 'utf8'),
    };
  const { certPem: caPem, key: caKey } = createSelfSignedCa('kudo-local-ca', 3650);
  const servingKey = generateKeyPair('ecdsa');
  const ips = [...new Set(['127.0.0.1', ...(isIP(host) ? [host] : [])])];
  const certPem = createCertificate({
    subject: { commonName: 'kube-apiserver' },
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', ...(isIP(host) || host === 'localhost' ? [] : [host])],
    ipAddresses: ips,
    notAfter: 3650,
    extKeyUsage: ['serverAuth'],
    publicKey: servingKey.publicKey,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
  });
  const keyPem = servingKey.privateKeyPem;
  if (files) {
    writeFileSync(files.ca, caPem, { mode: 0o600 });
    writeFileSync(files.caKey, caKey.privateKeyPem, { mode: 0o600 });
    writeFileSync(files.cert, certPem, { mode: 0o600 });
    writeFileSync(files.key, keyPem, { mode: 0o600 });
  }
  return { caPem, caKey: caKey.privateKey, certPem, keyPem };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
