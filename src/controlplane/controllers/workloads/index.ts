/**
 * Workloads. The workload controllers of kube-controller-manager (ReplicaSets, Deployments,
 * ReplicationControllers, StatefulSets, DaemonSets, Jobs, Endpoints, EndpointSlices and the
 * mirroring of hand-written Endpoints into EndpointSlices) run with every local control plane,
 * as they do on any cluster; their pods stay Pending, as on a cluster without nodes. Simulated
 * workloads (`--simulate-workloads`) add the nodes: in-process stand-ins for the scheduler, the
 * kubelet and a volume provisioner, so pods run without any container.
 * Everything is driven by the store's event stream, like the garbage collector.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiCore } from '../../apiserver/core.js';
import type { ResourceHooks } from '../../apiserver/registry.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
import { EndpointSliceController } from './endpointslices.js';
import { handleExecUpgrade } from './exec.js';
import { EndpointsController, ensureNodes, VolumeBinder } from './infra.js';
import { JobController } from './jobs.js';
import { PodSimulator } from './pods.js';
import { DeploymentController, ReplicaSetController } from './replicasets.js';
import { ReplicationManager } from './replication.js';
import { Sim, type SimOptions } from './sim.js';
import { DaemonSetController, StatefulSetController } from './statefulsets.js';

export type { SimOptions } from './sim.js';

export interface SimulatedWorkloads {
  stop(): void;
  /** What a container printed, for pods/log (throws ApiError as the API server answers). */
  logs(namespace: string, pod: string, container: string | undefined): Buffer;
  /** Runs a command in a simulated container, for pods/exec (throws ApiError before it starts). */
  exec(namespace: string, pod: string, container: string | undefined, argv: string[]): { code: number; stdout: Buffer; stderr: string };
  /** Serves an HTTP upgrade (pods/exec over WebSocket), after the API server authorised it. */
  upgrade(req: IncomingMessage, socket: Duplex): void;
}

/** Starts kube-controller-manager's workload controllers on their own work queue; returns the stop function. */
export function startWorkloadControllers(core: ApiCore, opts: Pick<SimOptions, 'log' | 'admit'> = {}): () => void {
  const sim = new Sim(core, opts);
  for (const c of [
    new ReplicationManager(sim),
    new ReplicaSetController(sim),
    new DeploymentController(sim),
    new StatefulSetController(sim),
    new DaemonSetController(sim),
    new JobController(sim),
    new EndpointsController(sim),
    new EndpointSliceController(sim),
    new EndpointSliceMirroringController(sim),
  ])
    sim.add(c);
  sim.start();
  return () => sim.stop();
}

export function startSimulatedWorkloads(core: ApiCore, opts: SimOptions = {}): SimulatedWorkloads {
  const sim = new Sim(core, opts);
  ensureNodes(sim);
  const pods = new PodSimulator(sim);
  for (const c of [pods, new VolumeBinder(sim)]) sim.add(c);
  // Pod logs and graceful pod deletion come from the simulated kubelet while it runs.
  const podType = sim.type('', 'v1', 'pods');
  const saved: ResourceHooks = { log: podType.hooks.log, beforeDelete: podType.hooks.beforeDelete };
  podType.hooks.log = (pod, o) => {
    const text = pods.logs(pod.metadata.namespace!, pod.metadata.name!, o.container).toString('utf8');
    if (o.tailLines === undefined || o.tailLines < 0) return text;
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines
      .slice(Math.max(0, lines.length - o.tailLines))
      .map((l) => l + '\n')
      .join('');
  };
  podType.hooks.beforeDelete = (pod, o) => {
    const plan = saved.beforeDelete?.(pod, o);
    return plan ?? pods.gracePeriod(pod, o.gracePeriodSeconds);
  };
  sim.start();
  const exec = (namespace: string, pod: string, container: string | undefined, argv: string[]) => pods.exec(namespace, pod, container, argv);
  return {
    stop: () => {
      sim.stop();
      podType.hooks.log = saved.log;
      podType.hooks.beforeDelete = saved.beforeDelete;
    },
    upgrade: (req, socket) => handleExecUpgrade(req, socket, exec),
    logs: (namespace, pod, container) => pods.logs(namespace, pod, container),
    exec,
  };
}
