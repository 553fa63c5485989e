/** KUDO objects in the cluster, as the commands need them, with KUDO's error messages. */
import { KUDO_API_VERSION } from '../api/labels.js';
import type { Instance, Operator, OperatorVersion } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { UserError } from './errors.js';

export const ref = (kind: 'Instance' | 'Operator' | 'OperatorVersion', namespace: string, name?: string) => ({
  apiVersion: KUDO_API_VERSION,
  kind,
  namespace,
  name,
});

export const getInstance = (c: Cluster, ns: string, name: string) => c.get<Instance>(ref('Instance', ns, name));
export const getOperatorVersion = (c: Cluster, ns: string, name: string) => c.get<OperatorVersion>(ref('OperatorVersion', ns, name));
export const getOperator = (c: Cluster, ns: string, name: string) => c.get<Operator>(ref('Operator', ns, name));

export async function listKudo<T extends Instance | Operator | OperatorVersion>(
  c: Cluster,
  kind: 'Instance' | 'Operator' | 'OperatorVersion',
  ns: string,
): Promise<T[]> {
  const list = await c.list<T>(KUDO_API_VERSION, kind, { namespace: ns });
  return [...list.items].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** The instance, or KUDO's "does not exist" error. */
export async function requireInstance(c: Cluster, ns: string, name: string): Promise<Instance> {
  const instance = await getInstance(c, ns, name);
  if (!instance) throw new UserError(`instance ${name} in namespace ${ns} does not exist in the cluster; see "kubectl kudo get instances -n ${ns}"`);
  return instance;
}

export async function requireOperatorVersion(c: Cluster, instance: Instance): Promise<OperatorVersion> {
  const ns = instance.metadata.namespace ?? '';
  const name = instance.spec?.operatorVersion?.name ?? '';
  const ov = await getOperatorVersion(c, ns, name);
  if (!ov) throw new UserError(`OperatorVersion ${name} from instance ${ns}/${instance.metadata.name} does not exist`);
  return ov;
}

export function requireInstanceFlag(value: unknown, message = 'please use --instance and specify instance name. It cannot be empty'): string {
  if (typeof value !== 'string' || value === '') throw new UserError(message);
  return value;
}
