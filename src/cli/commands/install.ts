/** `install` and `upgrade`: resolve a package (and its dependencies), create its objects, start or move an instance. */
import { CREATED_BY_ANNOTATION, CREATED_BY_VALUE, KUDO_API_VERSION, OPERATOR_LABEL } from '../../api/labels.js';
import type { Instance, OperatorVersion } from '../../api/types.js';
import { isAlreadyExists, type Cluster } from '../../cluster/cluster.js';
import type { KubeObject } from '../../k8s/object.js';
import { missingRequiredParameters } from '../../packages/params.js';
import { resolveDependencies, resolvePackage, type ResolvedPackage } from '../../repo/resolve.js';
import { compareSemver, parseSemver } from '../../repo/semver.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { getInstance, getOperator, listKudo, ref, requireInstance, requireOperatorVersion } from '../kudo.js';
import { parameterValues } from '../params.js';
import { followPlan, planUids } from '../progress.js';

async function resolveArg(ctx: CliContext, cmd: ParsedCommand, verb: string): Promise<{ tree: Awaited<ReturnType<typeof resolveDependencies>> }> {
  if (cmd.positional.length !== 1) throw new UsageError(`expecting exactly one argument - name of the package or path to ${verb}`);
  const opts = {
    cwd: ctx.io.cwd,
    home: ctx.settings.home,
    repo: cmd.flags.repo as string | undefined,
    appVersion: cmd.flags['app-version'] as string | undefined,
    operatorVersion: cmd.flags['operator-version'] as string | undefined,
  };
  const root = await resolvePackage(cmd.positional[0], opts);
  return { tree: await resolveDependencies(root, opts) };
}

/** KUDO's ValidateServerForOperator: the operator's kubernetesVersion against the cluster's. */
export async function checkKubernetesVersion(cluster: Cluster, pkg: ResolvedPackage): Promise<void> {
  const wanted = pkg.pkg.operator.kubernetesVersion ?? '';
  const want = parseSemver(wanted);
  if (!want)
    throw new UserError(`unable to parse operators kubernetes version: "${wanted}" is not a semantic version (set kubernetesVersion in operator.yaml)`);
  const res = await cluster.request('GET', '/version');
  const gitVersion = (res.body as { gitVersion?: string } | undefined)?.gitVersion ?? '';
  const have = parseSemver(gitVersion.replace(/[+].*$/, '').replace(/-.*$/, ''));
  if (!have) return;
  if (compareSemver({ ...have, patch: 0, prerelease: [] }, { ...want, patch: 0, prerelease: [] }) < 0)
    throw new UserError(`expected kubernetes version of ${wanted} is not supported with version: ${gitVersion}`);
}

/** Creates the Operator (if missing) and the OperatorVersion (if its version is new); returns whether the OV was new. */
async function installOperatorVersion(ctx: CliContext, cluster: Cluster, ns: string, pkg: ResolvedPackage, dependencies: ResolvedPackage[]): Promise<boolean> {
  const { operator, operatorVersion } = pkg.resources;
  const opName = operator.metadata.name ?? '';
  if (!(await getOperator(cluster, ns, opName))) {
    await cluster.create({ ...operator, metadata: { ...operator.metadata, namespace: ns } });
    ctx.out(`operator ${ns}/${opName} created\n`);
  }
  const installed = (await listKudo<OperatorVersion>(cluster, 'OperatorVersion', ns)).filter((ov) => ov.spec?.operator?.name === opName);
  if (installed.some((ov) => ov.spec?.version === operatorVersion.spec?.version)) {
    ctx.out(`operatorversion ${ns}/${operatorVersion.metadata.name} already installed\n`);
    return false;
  }
  for (const dep of dependencies) await installDependency(ctx, cluster, ns, dep);
  await cluster.create({ ...operatorVersion, metadata: { ...operatorVersion.metadata, namespace: ns } });
  ctx.out(`operatorversion ${ns}/${operatorVersion.metadata.name} created\n`);
  return true;
}

async function installDependency(ctx: CliContext, cluster: Cluster, ns: string, dep: ResolvedPackage): Promise<void> {
  for (const obj of [dep.resources.operator, dep.resources.operatorVersion] as KubeObject[]) {
    try {
      await cluster.create({ ...obj, metadata: { ...obj.metadata, namespace: ns } });
      ctx.out(`${obj.kind.toLowerCase()} ${ns}/${obj.metadata.name} created\n`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
}

async function createNamespace(
  ctx: CliContext,
  cluster: Cluster,
  ns: string,
  pkg: ResolvedPackage,
  instanceName: string,
  params: Record<string, string>,
): Promise<void> {
  let namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
  const manifest = pkg.pkg.operator.namespaceManifest;
  if (manifest) {
    const source = pkg.pkg.templates[manifest];
    if (source === undefined) throw new UserError(`the namespaceManifest "${manifest}" of ${pkg.source} is not in its templates folder`);
    const { renderTemplate } = await import('../../packages/engine.js');
    const { templateParams } = await import('../../packages/params.js');
    const { decodeObjects } = await import('../../packages/render.js');
    const op = pkg.pkg.operator;
    const text = renderTemplate(manifest, source, {
      Name: instanceName,
      Namespace: ns,
      OperatorName: op.name,
      OperatorVersion: op.operatorVersion,
      AppVersion: op.appVersion ?? '',
      Params: templateParams(pkg.resources.operatorVersion.spec?.parameters ?? [], params),
      Pipes: {},
    });
    const [obj] = decodeObjects(text);
    if (obj?.kind !== 'Namespace') throw new UserError(`the namespaceManifest "${manifest}" of ${pkg.source} does not render a Namespace`);
    namespace = { ...obj, metadata: { ...obj.metadata, name: ns } };
  }
  namespace.metadata.annotations = { ...namespace.metadata.annotations, [CREATED_BY_ANNOTATION]: CREATED_BY_VALUE };
  try {
    await cluster.create(namespace);
  } catch (e) {
    if (isAlreadyExists(e)) throw new UserError(`namespace ${ns} already exists; install without --create-namespace`);
    throw e;
  }
  ctx.out(`namespace ${ns} created\n`);
}

/** The OperatorVersion already in the cluster for --in-cluster: the highest matching version of the operator. */
async function inClusterPackage(cluster: Cluster, ns: string, name: string, appVersion?: string, operatorVersion?: string): Promise<OperatorVersion> {
  const candidates = (await listKudo<OperatorVersion>(cluster, 'OperatorVersion', ns)).filter(
    (ov) =>
      ov.spec?.operator?.name === name && (!appVersion || ov.spec?.appVersion === appVersion) && (!operatorVersion || ov.spec?.version === operatorVersion),
  );
  candidates.sort((a, b) => {
    const x = parseSemver(a.spec?.version);
    const y = parseSemver(b.spec?.version);
    return x && y ? compareSemver(y, x) : 0;
  });
  if (!candidates.length) throw new UserError(`no operator version of ${name} is installed in namespace ${ns}; install the package first`);
  return candidates[0];
}

export async function installCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length !== 1) throw new UsageError('expecting exactly one argument - name of the package or path to install');
  const params = parameterValues(ctx, cmd);
  const skipInstance = cmd.flags['skip-instance'] as boolean;
  const inCluster = cmd.flags['in-cluster'] as boolean;
  if (inCluster && (skipInstance || cmd.flags.repo))
    throw new UsageError("you can't use skip-instance or repo option when installing from in-cluster operators");
  if (cmd.given.has('wait-time') && !cmd.flags.wait) throw new UsageError('--wait-time is only useful together with --wait');
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();

  let instance: Instance;
  let ovParams;
  if (inCluster) {
    if (cmd.positional.length !== 1) throw new UsageError('expecting exactly one argument - name of the operator installed in the cluster');
    const ov = await inClusterPackage(cluster, ns, cmd.positional[0], cmd.flags['app-version'] as string, cmd.flags['operator-version'] as string);
    ovParams = ov.spec?.parameters ?? [];
    instance = {
      apiVersion: KUDO_API_VERSION,
      kind: 'Instance',
      metadata: { name: `${cmd.positional[0]}-instance`, labels: { [OPERATOR_LABEL]: cmd.positional[0] } },
      spec: { operatorVersion: { name: ov.metadata.name } },
    };
  } else {
    const { tree } = await resolveArg(ctx, cmd, 'install');
    const pkg = tree.root;
    ovParams = pkg.resources.operatorVersion.spec?.parameters ?? [];
    instance = structuredClone(pkg.resources.instance);
    delete instance.status;
    if (!skipInstance) {
      const missing = missingRequiredParameters(ovParams, params);
      if (missing) throw new UserError(`${missing} (set them with -p NAME=VALUE)`);
    }
    await checkKubernetesVersion(cluster, pkg);
    if (cmd.flags['create-namespace']) await createNamespace(ctx, cluster, ns, pkg, (cmd.flags.instance as string) || instance.metadata.name!, params);
    await installOperatorVersion(ctx, cluster, ns, pkg, tree.dependencies);
    if (skipInstance) return 0;
  }
  if (cmd.flags.instance) instance.metadata.name = cmd.flags.instance as string;
  instance.metadata.namespace = ns;
  instance.spec = { ...instance.spec, parameters: params };
  const name = instance.metadata.name!;
  if (await getInstance(cluster, ns, name))
    throw new UserError(`cannot install instance '${name}' because an instance of that name already exists in namespace ${ns}`);
  try {
    await cluster.create(instance);
  } catch (e) {
    if (isAlreadyExists(e)) throw new UserError(`cannot install instance '${name}' because an instance of that name already exists in namespace ${ns}`);
    throw e;
  }
  ctx.out(`instance ${ns}/${name} created\n`);
  if (cmd.flags.wait) {
    await followPlan(ctx, cluster, { namespace: ns, name, timeoutMs: (cmd.flags['wait-time'] as number) * 1000 });
    ctx.out(`instance ${ns}/${name} ready\n`);
  }
  return 0;
}

export async function upgradeCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError('please use --instance and specify instance name. It cannot be empty');
  if (cmd.positional.length !== 1) throw new UsageError('expecting exactly one argument - name of the package or path to upgrade');
  const params = parameterValues(ctx, cmd);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const { tree } = await resolveArg(ctx, cmd, 'upgrade');
  const pkg = tree.root;
  const instance = await requireInstance(cluster, ns, name);
  const current = await requireOperatorVersion(cluster, instance);
  const opName = pkg.pkg.operator.name ?? '';
  if (current.spec?.operator?.name && current.spec.operator.name !== opName)
    throw new UserError(
      `instance ${ns}/${name} runs operator ${current.spec.operator.name}, not ${opName}; upgrade it with a package of ${current.spec.operator.name}`,
    );
  const newVersion = pkg.pkg.operator.operatorVersion ?? '';
  const next = parseSemver(newVersion);
  if (!next) throw new UserError(`the operatorVersion "${newVersion}" of ${pkg.source} is not a semantic version`);
  const old = parseSemver(current.spec?.version);
  if (old && compareSemver(next, old) <= 0)
    throw new UserError(`upgraded version ${newVersion} is the same or smaller as current version ${current.spec?.version} -> not upgrading`);
  await checkKubernetesVersion(cluster, pkg);
  await installOperatorVersion(ctx, cluster, ns, pkg, tree.dependencies);
  const before = planUids(instance);
  await cluster.patch(ref('Instance', ns, name), 'merge', {
    spec: { operatorVersion: { name: pkg.resources.operatorVersion.metadata.name }, ...(Object.keys(params).length ? { parameters: params } : {}) },
  });
  ctx.out(`instance ${ns}/${name} updated\n`);
  if (cmd.flags.wait) {
    await followPlan(ctx, cluster, { namespace: ns, name, timeoutMs: (cmd.flags['wait-time'] as number) * 1000, previousUids: before });
    ctx.out(`instance ${ns}/${name} ready\n`);
  }
  return 0;
}
