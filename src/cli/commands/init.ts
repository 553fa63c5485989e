/** `kubectl kudo init`: $KUDO_HOME, then KUDO's CRDs, manager and webhook in the cluster (or printed with --dry-run -o). */
import { readFileSync } from 'node:fs';
import type { Cluster } from '../../cluster/cluster.js';
import { isNotFound } from '../../cluster/cluster.js';
import type { KubeObject } from '../../k8s/object.js';
import { ensureHome } from '../../repo/config.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { formatObjects } from '../format.js';
import { webhookCertificates } from '../init/certs.js';
import { crdObjects, DEFAULT_NAMESPACE, managerObjects, MANAGER_NAME, SERVICE_NAME, WEBHOOK_CONFIG_NAME, type InitOptions } from '../init/manifests.js';
import { CLI_VERSION } from './version.js';

const POLICIES = ['Always', 'IfNotPresent', 'Never'];

function validate(cmd: ParsedCommand): void {
  const f = cmd.flags;
  if (cmd.positional.length) throw new UsageError('this command does not accept arguments');
  if (f['kudo-image'] && f.version) throw new UsageError("specify either 'kudo-image' or 'version', not both");
  if (f['client-only'] && (f['kudo-image'] || f.version || f.output || f['crd-only'] || f.wait))
    throw new UsageError('you cannot use image, version, output, crd-only and wait flags with client-only option');
  if (f.wait && f['crd-only']) throw new UsageError('wait is not allowed with crd-only');
  if (cmd.given.has('wait-timeout') && !f.wait) throw new UsageError("wait-timeout is only useful when using the flag '--wait'");
  if (f.upgrade && f.verify) throw new UsageError('--upgrade and --verify cannot be used together');
  if (f.verify && f['dry-run']) throw new UsageError('--verify and --dry-run cannot be used together');
  if (f['crd-only'] && f.upgrade) throw new UsageError('--crd-only and --upgrade cannot be used together');
  if (f.output && f.output !== 'yaml' && f.output !== 'json') throw new UsageError("invalid output format, only support 'yaml' or 'json' or empty");
  if (!POLICIES.includes(f['kudo-image-pull-policy'] as string))
    throw new UsageError(`unknown image pull policy ${f['kudo-image-pull-policy']}, must be one of 'Always', 'IfNotPresent' or 'Never'`);
  if (f['webhook-url'] && f['unsafe-self-signed-webhook-ca']) throw new UsageError('use either --webhook-url or --unsafe-self-signed-webhook-ca, not both');
}

const describe = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The installed cert-manager API (group/version), or undefined. */
async function certManagerApi(cluster: Cluster): Promise<string | undefined> {
  for (const [crd, apiVersions] of [
    ['certificates.cert-manager.io', ['cert-manager.io/v1', 'cert-manager.io/v1beta1', 'cert-manager.io/v1alpha3', 'cert-manager.io/v1alpha2']],
    ['certificates.certmanager.k8s.io', ['certmanager.k8s.io/v1alpha1']],
  ] as const) {
    const obj = await cluster.get<KubeObject & { spec?: { versions?: { name: string; served?: boolean }[] } }>({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: crd,
    });
    if (!obj) continue;
    const served = new Set((obj.spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name));
    const found = apiVersions.find((av) => served.has(av.split('/')[1]));
    if (found) return found;
  }
  return undefined;
}

async function createOrUpdate(cluster: Cluster, obj: KubeObject, upgrade: boolean): Promise<void> {
  const existing = await cluster.get({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });
  if (!existing) {
    await cluster.create(obj);
    return;
  }
  if (!upgrade && obj.kind !== 'CustomResourceDefinition') return;
  await cluster.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion } });
}

/** Problems of an installation (empty when it is valid). */
async function verifyInstallation(cluster: Cluster, objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    if (o.kind === 'Secret' || o.kind === 'Issuer' || o.kind === 'Certificate') continue;
    const live = await cluster.get<KubeObject & { status?: Record<string, unknown> }>({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    });
    if (!live) {
      problems.push(`${describe(o)} is not installed`);
      continue;
    }
    const conditions = (live.status?.conditions ?? []) as { type: string; status: string }[];
    if (o.kind === 'CustomResourceDefinition' && !conditions.some((c) => c.type === 'Established' && c.status === 'True'))
      problems.push(`${describe(o)} is not established`);
    if (o.kind === 'Namespace' && live.status?.phase && live.status.phase !== 'Active') problems.push(`namespace ${o.metadata.name} is ${live.status.phase}`);
    if (o.kind === 'Deployment' && !((live.status?.availableReplicas as number | undefined) ?? 0))
      problems.push(`the manager deployment ${describe(o)} is not available yet`);
  }
  return problems;
}

export async function initCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  validate(cmd);
  const f = cmd.flags;
  const dryRun = f['dry-run'] as boolean;
  if (!dryRun) {
    ensureHome(ctx.settings.home);
    if (!f.output) ctx.out(`$KUDO_HOME has been configured at ${ctx.settings.home}\n`);
  }
  if (f['client-only']) return 0;

  const namespace = ctx.settings.namespace || DEFAULT_NAMESPACE;
  const webhookUrl = f['webhook-url'] as string | undefined;
  const opts: InitOptions = {
    namespace,
    serviceAccount: f['service-account'] as string,
    image: (f['kudo-image'] as string | undefined) || `kudo-ts/manager:v${(f.version as string | undefined) || CLI_VERSION}`,
    imagePullPolicy: f['kudo-image-pull-policy'] as string,
    webhookUrl,
    webhookCaPem: f['webhook-ca-file'] ? readFileSync(ctx.path(f['webhook-ca-file'] as string), 'utf8') : undefined,
  };
  if (f['unsafe-self-signed-webhook-ca']) opts.certificates = webhookCertificates(`${SERVICE_NAME}.${namespace}.svc`);

  // Only a real install or verification needs the cluster; a dry run with cert-manager assumes its v1 API.
  const cluster = dryRun && !f.verify ? undefined : await ctx.cluster();
  if (cluster && !f['crd-only'] && !opts.certificates && !webhookUrl) {
    opts.certManagerApiVersion = await certManagerApi(cluster);
    if (!opts.certManagerApiVersion)
      throw new UserError('failed to detect any valid cert-manager CRDs. Make sure cert-manager is installed, or use --unsafe-self-signed-webhook-ca');
  }
  const crds = crdObjects();
  const objects = f['crd-only'] ? crds : [...crds, ...managerObjects(opts)];
  if (f.output) ctx.out(await formatObjects(objects, f.output as string));
  if (dryRun) return 0;

  if (f.verify) {
    const problems = await verifyInstallation(cluster!, objects);
    for (const p of problems) ctx.out(`❌ ${p}\n`);
    if (problems.length) throw new UserError('KUDO installation is not valid');
    ctx.out('✅ KUDO installation is valid\n');
    return 0;
  }

  const upgrade = f.upgrade as boolean;
  if (!upgrade) {
    for (const crd of crds)
      if (await cluster!.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }))
        throw new UserError(`CRD ${crd.metadata.name} is already installed. Did you mean to use --upgrade?`);
    if (!f['crd-only'] && (await cluster!.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: MANAGER_NAME })))
      throw new UserError(`KUDO manager ${namespace}/${MANAGER_NAME} seems to be installed. Did you mean to use --upgrade`);
  }
  if (namespace !== DEFAULT_NAMESPACE && !f['crd-only']) {
    const ns = await cluster!.get<KubeObject & { status?: { phase?: string } }>({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    if (!ns)
      throw new UserError(
        `Namespace ${namespace} does not exist - KUDO expects that any namespace except the default ${DEFAULT_NAMESPACE} is created beforehand`,
      );
    if (ns.status?.phase === 'Terminating') throw new UserError(`Namespace ${namespace} is being terminated - Wait until it is fully gone and retry`);
  }
  if (upgrade) {
    for (const [kind, apiVersion, name, ns] of [
      ['Deployment', 'apps/v1', MANAGER_NAME, namespace],
      ['MutatingWebhookConfiguration', 'admissionregistration.k8s.io/v1', WEBHOOK_CONFIG_NAME, undefined],
    ] as const) {
      try {
        await cluster!.delete({ apiVersion, kind, namespace: ns, name }, { propagationPolicy: 'Foreground' });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
  const steps: [string, (o: KubeObject) => boolean][] = [
    ['crds', (o) => o.kind === 'CustomResourceDefinition'],
    ['namespace', (o) => o.kind === 'Namespace'],
    ['service account', (o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)],
    ['webhook', (o) => ['MutatingWebhookConfiguration', 'Issuer', 'Certificate', 'Secret'].includes(o.kind)],
    ['kudo controller', (o) => ['Service', 'Deployment'].includes(o.kind)],
  ];
  for (const [step, matches] of steps) {
    const mine = objects.filter(matches);
    if (!mine.length) continue;
    for (const o of mine) await createOrUpdate(cluster!, o, upgrade);
    if (step === 'crds') await waitEstablished(cluster!, mine);
    if (!f.output) ctx.out(`✅ installed ${step}\n`);
  }
  if (f.wait) {
    ctx.out('⌛Waiting for KUDO controller to be ready in your cluster...\n');
    const deadline = Date.now() + (f['wait-timeout'] as number) * 1000;
    while ((await verifyInstallation(cluster!, objects)).length) {
      if (Date.now() > deadline) throw new UserError('watch timed out, readiness uncertain');
      await new Promise((r) => setTimeout(r, 500));
    }
    ctx.out('✅ KUDO is ready!\n');
  }
  return 0;
}

/** CRDs must be Established before anything can create KUDO objects. */
async function waitEstablished(cluster: Cluster, crds: KubeObject[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const problems = await verifyInstallation(cluster, crds);
    if (!problems.length) break;
    if (Date.now() > deadline) throw new UserError(`the KUDO CRDs did not become established: ${problems.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  cluster.invalidateDiscovery();
}
