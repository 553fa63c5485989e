/**
 * ComponentStatus (core/v1, deprecated since 1.19 but still served): a read-only view of the
 * health of the control plane's parts, computed on every request and never stored. The local
 * control plane's storage stands for etcd and its in-process controllers for the controller
 * manager; the scheduler exists only when simulated workloads run.
 */
import type { KubeObject } from '../../k8s/object.js';
import { ApiError } from './errors.js';
import type { ResourceType, TableColumn } from './registry.js';

export const COMPONENT_STATUS_WARNING = 'v1 ComponentStatus is deprecated in v1.19+';

export const isComponentStatus = (t: ResourceType) => t.group === '' && t.resource === 'componentstatuses';

/** Healthy components answer their probes with "ok", as current kube-apiserver reports them. */
export function componentStatus(name: string): KubeObject {
  return {
    kind: 'ComponentStatus',
    apiVersion: 'v1',
    // Never stored: Go writes the zero creation time as null.
    metadata: { name, creationTimestamp: null } as unknown as KubeObject['metadata'],
    conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
  };
}

/** GET of one component: an unknown name is a plain internal error in kube-apiserver. */
export function getComponentStatus(components: readonly string[], name: string): KubeObject {
  if (!components.includes(name)) throw new ApiError(500, '', `Component not found: ${name}`);
  return componentStatus(name);
}

/** The table columns of `kubectl get componentstatuses`. */
export const componentStatusColumns: TableColumn[] = [
  { name: 'Status', type: 'string', description: 'Status of the component conditions', priority: 0, cell: (o) => (healthy(o) ? 'Healthy' : 'Unhealthy') },
  { name: 'Message', type: 'string', description: 'Message of the component conditions', priority: 0, cell: (o) => healthCondition(o)?.message ?? '' },
  { name: 'Error', type: 'string', description: 'Error of the component conditions', priority: 0, cell: (o) => healthCondition(o)?.error ?? '' },
];

type Condition = { type: string; status: string; message?: string; error?: string };
const healthCondition = (o: KubeObject) => (o.conditions as Condition[] | undefined)?.find((c) => c.type === 'Healthy');
const healthy = (o: KubeObject) => healthCondition(o)?.status === 'True';
