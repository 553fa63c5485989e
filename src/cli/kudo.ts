/** KUDO objects in the cluster, as the commands need them, with KUDO's error messages. */
import { KUDO_API_VERSION, KUDO_GROUP } from '../api/labels.js';
import type { Instance, Operator, OperatorVersion } from '../api/types.js';
import { ApiError, type Cluster } from '../cluster/cluster.js';
import type { Status } from '../k8s/object.js';
import { UserError } from './errors.js';

export const ref = (kind: 'Instance' | 'Operator' | 'OperatorVersion', namespace: string, name?: string) => ({
  apiVersion: KUDO_API_VERSION,
  kind,
  namespace,
  name,
});

const PLURAL = { Instance: 'instances', Operator: 'operators', OperatorVersion: 'operatorversions' } as const;

/**
 * GET of one KUDO object by its well-known path, without a discovery round trip first
 * (this is most of what `plan status` does, so its start-up matters). A 404 naming the
 * object means it does not exist; any other 404 means the API itself is missing.
 */
async function getKudo<T>(c: Cluster, kind: keyof typeof PLURAL, ns: string, name: string): Promise<T | undefined> {
  const path = `/apis/${KUDO_API_VERSION}/namespaces/${encodeURIComponent(ns)}/${PLURAL[kind]}/${encodeURIComponent(name)}`;
  const res = await c.request('GET', path);
  if (res.status === 200) return res.body as T;
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : { message: String(res.body) }) as Partial<Status>;
  const status: Status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', ...body, code: body.code || res.status };
  if (res.status === 404 && status.details?.name) return undefined;
  if (res.status === 404) throw new ApiError({ ...status, code: 404, details: { group: KUDO_GROUP, kind } }, 'GET');
  throw new ApiError(status, 'GET');
}

export const getInstance = (c: Cluster, ns: string, name: string) => getKudo<Instance>(c, 'Instance', ns, name);
export const getOperatorVersion = (c: Cluster, ns: string, name: string) => getKudo<OperatorVersion>(c, 'OperatorVersion', ns, name);
export const getOperator = (c: Cluster, ns: string, name: string) => getKudo<Operator>(c, 'Operator', ns, name);

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
