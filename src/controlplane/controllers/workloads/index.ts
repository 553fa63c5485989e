/**
 * Simulated workloads (`--simulate-workloads`): in-process stand-ins for the scheduler, the
 * kubelet and the workload controllers of kube-controller-manager, so Deployments, StatefulSets,
 * DaemonSets, Jobs and Pods progress as on a cluster without running any container.
 * Everything is driven by the store's event stream, like the garbage collector.
 */
import type { ApiCore } from '../../apiserver/core.js';
import { EndpointsController, ensureNodes, VolumeBinder } from './infra.js';
import { JobController } from './jobs.js';
import { PodSimulator } from './pods.js';
import { DeploymentController, ReplicaSetController } from './replicasets.js';
import { Sim, type SimOptions } from './sim.js';
import { DaemonSetController, StatefulSetController } from './statefulsets.js';

export type { SimOptions } from './sim.js';

export interface SimulatedWorkloads {
  stop(): void;
  /** What a container printed, for pods/log (throws ApiError as the API server answers). */
  logs(namespace: string, pod: string, container: string | undefined): Buffer;
  /** Runs a command in a simulated container, for pods/exec (throws ApiError before it starts). */
  exec(namespace: string, pod: string, container: string | undefined, argv: string[]): { code: number; stdout: Buffer; stderr: string };
}

export function startSimulatedWorkloads(core: ApiCore, opts: SimOptions = {}): SimulatedWorkloads {
  const sim = new Sim(core, opts);
  ensureNodes(sim);
  const pods = new PodSimulator(sim);
  for (const c of [pods, new ReplicaSetController(sim), new DeploymentController(sim), new StatefulSetController(sim), new DaemonSetController(sim), new JobController(sim), new VolumeBinder(sim), new EndpointsController(sim)]) sim.add(c);
  sim.start();
  return {
    stop: () => sim.stop(),
    logs: (namespace, pod, container) => pods.logs(namespace, pod, container),
    exec: (namespace, pod, container, argv) => pods.exec(namespace, pod, container, argv),
  };
}
