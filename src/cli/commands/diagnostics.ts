/** `diagnostics collect --instance X`: YAML dumps and gzipped logs of an instance, its objects and KUDO's manager. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { OPERATOR_LABEL, MANAGER_APP_LABEL, MANAGER_APP_VALUE } from '../../api/labels.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { KubeObject } from '../../k8s/object.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { getOperator, getOperatorVersion, listKudo, requireInstance } from '../kudo.js';
import { versionInfo } from './version.js';

const LISTS: [string, string, string][] = [
  ['servicelist', 'v1', 'Service'],
  ['deploymentlist', 'apps/v1', 'Deployment'],
  ['statefulsetlist', 'apps/v1', 'StatefulSet'],
  ['replicasetlist', 'apps/v1', 'ReplicaSet'],
  ['serviceaccountlist', 'v1', 'ServiceAccount'],
  ['rolebindinglist', 'rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rolelist', 'rbac.authorization.k8s.io/v1', 'Role'],
  ['clusterrolebindinglist', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['clusterrolelist', 'rbac.authorization.k8s.io/v1', 'ClusterRole'],
];

/** The object with its type first (list items come without it). */
const typed = (obj: object, apiVersion: string, kind: string) => ({ apiVersion, kind, ...(obj as Record<string, unknown>) });

class Collector {
  readonly errors: string[] = [];
  constructor(
    readonly cluster: Cluster,
    readonly since?: number,
  ) {}

  write(dir: string, file: string, content: string | Buffer): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), content);
  }

  /** Runs one collector; a failure is written next to its output and collected, not fatal. */
  async attempt(dir: string, name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const message = `${name}: ${(e as Error).message}`;
      this.errors.push(message);
      this.write(dir, `${name}.err`, message + '\n');
    }
  }

  async lists(dir: string, namespace: string, selector: string, which = LISTS): Promise<void> {
    for (const [file, apiVersion, kind] of which)
      await this.attempt(dir, file, async () => {
        const list = await this.cluster.list(apiVersion, kind, { namespace: kind.startsWith('Cluster') ? undefined : namespace, labelSelector: selector });
        // List items come without their type; a dump is read on its own, so each item names it.
        const items = list.items.map((item) => typed(item, apiVersion, kind));
        this.write(dir, `${file}.yaml`, stringify({ apiVersion: 'v1', kind: 'List', items }));
      });
  }

  async pods(dir: string, namespace: string, selector: string): Promise<void> {
    await this.attempt(dir, 'podlist', async () => {
      const pods = await this.cluster.list<KubeObject & { spec?: { containers?: { name: string }[] } }>('v1', 'Pod', { namespace, labelSelector: selector });
      for (const pod of pods.items) {
        const podDir = join(dir, `pod_${pod.metadata.name}`);
        this.write(podDir, `${pod.metadata.name}.yaml`, stringify(typed(pod, 'v1', 'Pod')));
        for (const c of pod.spec?.containers ?? [])
          await this.attempt(podDir, `${c.name}.log`, async () => {
            const q = `container=${encodeURIComponent(c.name)}${this.since ? `&sinceSeconds=${this.since}` : ''}`;
            const res = await this.cluster.request('GET', `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/log?${q}`);
            if (res.status >= 400) throw new Error(`HTTP ${res.status}`);
            this.write(podDir, `${c.name}.log.gz`, gzipSync(typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '')));
          });
      }
    });
  }
}

function parseSince(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (!m) throw new UsageError(`invalid --log-since "${text}": use a duration like 30s, 5m or 2h`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

export async function collectCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError('please use --instance and specify instance name. It cannot be empty');
  const since = parseSince(cmd.flags['log-since'] as string | undefined);
  const target = cmd.flags['output-directory'] as string;
  const root = ctx.path(target);
  if (existsSync(root)) throw new UserError(`target directory ${target} already exists; remove it or choose another with --output-directory`);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  const c = new Collector(cluster, since);
  c.write(root, 'version.yaml', stringify(versionInfo(ctx.io.env)));
  c.write(root, 'settings.yaml', stringify({ namespace: ns, home: ctx.settings.home, kubeconfig: ctx.settings.kubeconfig ?? '' }));

  const collectInstance = async (inst: typeof instance, parentDir: string): Promise<void> => {
    const opName = inst.metadata.labels?.[OPERATOR_LABEL] ?? '';
    const opDir = join(parentDir, `operator_${opName}`);
    await c.attempt(opDir, opName, async () => {
      const op = await getOperator(cluster, ns, opName);
      if (op) c.write(opDir, `${opName}.yaml`, stringify(op));
    });
    const ovName = inst.spec?.operatorVersion?.name ?? '';
    await c.attempt(opDir, ovName, async () => {
      const ov = await getOperatorVersion(cluster, ns, ovName);
      if (ov) c.write(join(opDir, `operatorversion_${ovName}`), `${ovName}.yaml`, stringify(ov));
    });
    const instDir = join(opDir, `instance_${inst.metadata.name}`);
    c.write(instDir, `${inst.metadata.name}.yaml`, stringify(inst));
    await c.pods(instDir, ns, `${OPERATOR_LABEL}=${opName}`);
    await c.lists(instDir, ns, `${OPERATOR_LABEL}=${opName}`);
    const children = (await listKudo<typeof instance>(cluster, 'Instance', ns)).filter((i) =>
      (i.metadata.ownerReferences ?? []).some((r) => r.uid === inst.metadata.uid),
    );
    for (const child of children) await collectInstance(child, opDir);
  };
  await collectInstance(instance, root);

  const kudoDir = join(root, 'kudo');
  await c.attempt(kudoDir, 'kudo', async () => {
    const namespaces = await cluster.list('v1', 'Namespace', { labelSelector: `${MANAGER_APP_LABEL}=${MANAGER_APP_VALUE}` });
    const kudoNs = namespaces.items[0]?.metadata.name;
    if (!kudoNs) throw new Error(`no namespace labelled ${MANAGER_APP_LABEL}=${MANAGER_APP_VALUE} (is KUDO's manager installed with "kubectl kudo init"?)`);
    const selector = `${MANAGER_APP_LABEL}=${MANAGER_APP_VALUE}`;
    await c.pods(kudoDir, kudoNs, selector);
    await c.lists(
      kudoDir,
      kudoNs,
      selector,
      LISTS.filter(([f]) => ['servicelist', 'deploymentlist', 'statefulsetlist', 'serviceaccountlist'].includes(f)),
    );
  });
  ctx.out(`Diagnostics written to ${target}\n`);
  if (c.errors.length) {
    ctx.err(c.errors.join('\n') + '\n');
    return 255;
  }
  return 0;
}
