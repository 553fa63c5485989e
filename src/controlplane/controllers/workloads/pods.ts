/**
 * The simulated scheduler and kubelet: pods are bound to a simulated node, their init
 * containers and containers "run" through the small shell (so files they write and what they
 * echo are kept), and their status moves as a kubelet reports it.
 *
 * Deterministic rules:
 * - an image matching `imagePullFailure` (default: contains nonexistent, invalid, does-not-exist,
 *   no-such-image) or that is not a valid image reference cannot be pulled: ErrImagePull, then
 *   ImagePullBackOff, and the pod stays Pending and not ready;
 * - a container's exit code is what its command gives in the shell simulator (`exit 3`, `false`,
 *   a failing `cat`...); programs the simulator does not know succeed;
 * - containers of pods with restartPolicy Always run until deleted unless they fail (then
 *   CrashLoopBackOff); others run for the seconds their command sleeps (at least one step) and
 *   then terminate with their exit code.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../../k8s/object.js';
import { nowTimestamp } from '../../apiserver/core.js';
import { badRequest, notFound } from '../../apiserver/errors.js';
import type { StoreEvent } from '../../storage/store.js';
import { MemFs, runArgv } from './shell.js';
import { condition, keyOf, podPhase, type Condition, type Controller, type Sim } from './sim.js';

type Any = Record<string, any>;

interface ContainerRun {
  name: string;
  image: string;
  init: boolean;
  state: 'waiting' | 'running' | 'terminated';
  reason?: string;
  message?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  restartCount: number;
  lastState?: Any;
  containerID?: string;
  /** When a running container ends (ms since epoch); undefined = runs until deleted. */
  endsAt?: number;
  /** Exit code it ends with. */
  willExit?: number;
}

interface PodRuntime {
  uid: string;
  fs: MemFs;
  logs: Map<string, Buffer>;
  ip?: string;
  firstSeen: number;
  scheduledAt?: number;
  containers?: ContainerRun[];
  /** Next time-based transition (ms since epoch). */
  wakeAt?: number;
  startTime?: string;
  /** When the kubelet saw the pod marked for deletion. */
  terminatingSince?: number;
}

const IMAGE_REF =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export class PodSimulator implements Controller {
  readonly name = 'kubelet';
  readonly watches = ['/pods', '/persistentvolumeclaims', '/nodes'];
  private readonly runtimes = new Map<string, PodRuntime>();
  private nextIp = 2;
  private readonly pods;
  private readonly nodes;

  constructor(private readonly sim: Sim) {
    this.pods = sim.type('', 'v1', 'pods');
    this.nodes = sim.type('', 'v1', 'nodes');
  }

  initialKeys(): string[] {
    return this.sim.list(this.pods).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resource === '/pods') {
      if (e.type === 'DELETED') {
        this.runtimes.delete(e.object.metadata.uid!);
        return [];
      }
      return [keyOf(e.object)];
    }
    // A PVC bound or a node added may let waiting pods be scheduled.
    return this.sim
      .list(this.pods, e.resource === '/nodes' ? undefined : e.object.metadata.namespace)
      .filter((p) => !(p.spec as Any)?.nodeName)
      .map(keyOf);
  }

  /** The in-memory state of a running pod (for exec and logs). */
  runtimeOf(pod: KubeObject): PodRuntime | undefined {
    return this.runtimes.get(pod.metadata.uid!);
  }

  sync(key: string): void {
    const pod = this.sim.get(this.pods, key);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) return this.terminate(pod, key);
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    let rt = this.runtimes.get(pod.metadata.uid!);
    if (!rt) {
      rt = { uid: pod.metadata.uid!, fs: new MemFs(), logs: new Map(), firstSeen: Date.now() };
      this.runtimes.set(rt.uid, rt);
    }
    const now = Date.now();
    const spec = (pod.spec ?? {}) as Any;
    if (!spec.nodeName) {
      const due = rt.firstSeen + this.sim.stepMs;
      if (now < due) return this.sim.enqueue(this, key, due - now);
      return this.schedule(pod, rt, key);
    }
    rt.scheduledAt ??= now;
    if (!rt.containers) {
      const due = rt.scheduledAt + this.sim.stepMs;
      if (now < due) return this.sim.enqueue(this, key, due - now);
      this.start(pod, rt);
      this.writeStatus(pod, rt);
    } else if (rt.wakeAt !== undefined) {
      if (now < rt.wakeAt) return this.sim.enqueue(this, key, rt.wakeAt - now);
      rt.wakeAt = undefined;
      this.advance(pod, rt, now);
      this.writeStatus(pod, rt);
    }
    if (rt.wakeAt !== undefined) this.sim.enqueue(this, key, Math.max(1, rt.wakeAt - Date.now()));
  }

  /** Graceful deletion: the containers stop within a step, then the kubelet removes the pod (grace 0). */
  private terminate(pod: KubeObject, key: string): void {
    if (!pod.metadata.deletionGracePeriodSeconds) return;
    const rt = this.runtimes.get(pod.metadata.uid!);
    const since = rt?.terminatingSince ?? Date.now();
    if (rt) rt.terminatingSince = since;
    const due = since + this.sim.stepMs;
    if (Date.now() < due) return this.sim.enqueue(this, key, due - Date.now());
    for (const c of rt?.containers ?? [])
      if (c.state === 'running') this.sim.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, 'kubelet', fieldPath(c));
    this.sim.core.delete(this.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
  }

  /** The grace period a delete of this pod gets: pods on a node wait for the (simulated) kubelet. */
  gracePeriod(pod: KubeObject, requested: number | undefined): { gracePeriodSeconds?: number } {
    const spec = (pod.spec ?? {}) as Any;
    const phase = podPhase(pod);
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return { gracePeriodSeconds: 0 };
    return { gracePeriodSeconds: requested ?? spec.terminationGracePeriodSeconds ?? 30 };
  }

  // ---- scheduling ----

  private schedule(pod: KubeObject, rt: PodRuntime, key: string): void {
    const spec = (pod.spec ?? {}) as Any;
    const problem = this.unschedulable(pod);
    if (problem) {
      this.sim.event(pod, 'Warning', 'FailedScheduling', problem, 'default-scheduler');
      const status = (pod.status ?? {}) as Any;
      this.sim.setStatus(this.pods, pod, {
        ...status,
        phase: 'Pending',
        conditions: mergeConditions(status.conditions, [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: problem }]),
      });
      return this.sim.enqueue(this, key, Math.max(200, this.sim.stepMs * 4));
    }
    const node = this.nodeFor(spec)!;
    const bound = this.sim.change(this.pods, pod, (cur) => void (cur.spec.nodeName = node));
    const status = (bound.status ?? {}) as Any;
    this.sim.setStatus(this.pods, bound, {
      ...status,
      phase: 'Pending',
      conditions: mergeConditions(status.conditions, [{ type: 'PodScheduled', status: 'True' }]),
    });
    this.sim.event(bound, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`, 'default-scheduler');
    rt.scheduledAt = Date.now();
    this.sim.enqueue(this, key, this.sim.stepMs);
  }

  private readyNodes(): KubeObject[] {
    return this.sim.list(this.nodes).filter((n) => condition(n, 'Ready')?.status === 'True' && !(n.spec as Any)?.unschedulable);
  }

  private nodeFor(spec: Any): string | undefined {
    const selector = (spec.nodeSelector ?? {}) as Record<string, string>;
    // DaemonSet pods are pinned to their node by a metadata.name node affinity term.
    const terms = (spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as Any[];
    const pinned = terms.flatMap((t) =>
      ((t.matchFields ?? []) as Any[]).filter((f) => f.key === 'metadata.name' && f.operator === 'In').flatMap((f) => f.values as string[]),
    );
    return this.readyNodes().find(
      (n) => Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v) && (!pinned.length || pinned.includes(n.metadata.name!)),
    )?.metadata.name;
  }

  /** Why the scheduler cannot place the pod yet, worded as kube-scheduler does; undefined when it can. */
  private unschedulable(pod: KubeObject): string | undefined {
    const spec = (pod.spec ?? {}) as Any;
    const nodes = this.readyNodes();
    const total = this.sim.list(this.nodes).length;
    if (!nodes.length)
      return `0/${total} nodes are available: ${total} node(s) were unschedulable. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
    if (!this.nodeFor(spec))
      return `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
    const pvcs = this.sim.type('', 'v1', 'persistentvolumeclaims');
    for (const v of (spec.volumes ?? []) as Any[]) {
      const claim = v.persistentVolumeClaim?.claimName as string | undefined;
      if (!claim) continue;
      const pvc = this.core().tryGet(pvcs, pod.metadata.namespace, claim);
      if (!pvc)
        return `0/${total} nodes are available: persistentvolumeclaim "${claim}" not found. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
      if ((pvc.status as Any | undefined)?.phase !== 'Bound')
        return `0/${total} nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
    }
    return undefined;
  }

  private core() {
    return this.sim.core;
  }

  // ---- running containers ----

  private start(pod: KubeObject, rt: PodRuntime): void {
    const spec = (pod.spec ?? {}) as Any;
    rt.ip ??= this.allocateIp();
    rt.startTime ??= nowTimestamp();
    rt.containers = [...((spec.initContainers ?? []) as Any[]).map((c) => newRun(c, true)), ...((spec.containers ?? []) as Any[]).map((c) => newRun(c, false))];
    this.advance(pod, rt, Date.now());
  }

  /**
   * Moves every container as far as it can go now: init containers one after the other, then
   * all containers; sets `wakeAt` for the next timed transition.
   */
  private advance(pod: KubeObject, rt: PodRuntime, now: number): void {
    const spec = (pod.spec ?? {}) as Any;
    const restart = (spec.restartPolicy as string | undefined) ?? 'Always';
    const runs = rt.containers!;
    const wake = (at: number) => (rt.wakeAt = rt.wakeAt === undefined ? at : Math.min(rt.wakeAt, at));
    // Time-based endings first.
    for (const c of runs) {
      if (c.state === 'running' && c.endsAt !== undefined && c.endsAt <= now) this.finish(pod, c, restart, now);
      else if (c.state === 'waiting' && c.reason === 'CrashLoopBackOff' && c.endsAt !== undefined && c.endsAt <= now)
        this.runContainer(pod, rt, c, restart, now);
      else if (c.state === 'waiting' && c.reason === 'ErrImagePull' && c.endsAt !== undefined && c.endsAt <= now) {
        c.reason = 'ImagePullBackOff';
        c.message = `Back-off pulling image "${c.image}": ErrImagePull: ${c.message}`;
        c.endsAt = undefined;
        this.sim.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, 'kubelet', fieldPath(c));
        this.sim.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet', fieldPath(c));
      }
    }
    const inits = runs.filter((c) => c.init);
    // Init containers run one after the other, each to completion.
    for (const c of inits) {
      if (c.state === 'terminated' && c.exitCode === 0) continue;
      if (c.state === 'waiting' && !c.reason) this.runContainer(pod, rt, c, restart, now);
      break;
    }
    const initsDone = inits.every((c) => c.state === 'terminated' && c.exitCode === 0);
    if (initsDone) for (const c of runs) if (!c.init && c.state === 'waiting' && !c.reason) this.runContainer(pod, rt, c, restart, now);
    for (const c of runs) if (c.endsAt !== undefined) wake(c.endsAt);
  }

  /** Pulls the image and starts a container: runs its command through the shell simulator. */
  private runContainer(pod: KubeObject, rt: PodRuntime, c: ContainerRun, restart: string, now: number): void {
    const spec = ((pod.spec as Any).initContainers ?? []).concat((pod.spec as Any).containers ?? []).find((x: Any) => x.name === c.name) as Any;
    const fp = fieldPath(c);
    if (c.restartCount === 0 && c.state === 'waiting' && !c.reason) {
      if (this.sim.imagePullFailure.test(c.image) || !IMAGE_REF.test(c.image)) {
        const invalid = !IMAGE_REF.test(c.image);
        c.reason = invalid ? 'InvalidImageName' : 'ErrImagePull';
        c.message = invalid
          ? `Failed to apply default image tag "${c.image}": couldn't parse image name "${c.image}": invalid reference format`
          : `rpc error: code = NotFound desc = failed to pull and unpack image "${fullImage(c.image)}": failed to resolve reference "${fullImage(c.image)}": ${fullImage(c.image)}: not found`;
        if (!invalid) {
          this.sim.event(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, 'kubelet', fp);
          this.sim.event(pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${c.message}`, 'kubelet', fp);
          c.endsAt = now + this.sim.stepMs * 2;
        } else this.sim.event(pod, 'Warning', 'InspectFailed', c.message, 'kubelet', fp);
        this.sim.event(pod, 'Warning', 'Failed', `Error: ${c.reason}`, 'kubelet', fp);
        return;
      }
      const policy = spec.imagePullPolicy ?? 'IfNotPresent';
      if (policy === 'Always') {
        this.sim.event(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, 'kubelet', fp);
        this.sim.event(
          pod,
          'Normal',
          'Pulled',
          `Successfully pulled image "${c.image}" in ${this.sim.stepMs}ms (${this.sim.stepMs}ms including waiting). Image size: 0 bytes.`,
          'kubelet',
          fp,
        );
      } else this.sim.event(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, 'kubelet', fp);
    }
    const env: Record<string, string> = { HOSTNAME: pod.metadata.name!, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' };
    for (const e of (spec.env ?? []) as Any[]) if (typeof e.value === 'string') env[e.name] = e.value;
    const argv = [...((spec.command ?? []) as string[]), ...((spec.args ?? []) as string[])];
    const result = argv.length ? runArgv(argv, rt.fs, { env, lenient: true }) : { code: 0, stdout: Buffer.alloc(0), stderr: '', slept: Infinity };
    const log = Buffer.concat([result.stdout, Buffer.from(result.stderr)]);
    rt.logs.set(c.name, Buffer.concat([rt.logs.get(c.name) ?? Buffer.alloc(0), log]));
    c.state = 'running';
    c.reason = undefined;
    c.message = undefined;
    c.startedAt = nowTimestamp();
    c.containerID = `containerd://${randomBytes(32).toString('hex')}`;
    c.willExit = result.code;
    this.sim.event(pod, 'Normal', 'Created', `Created container: ${c.name}`, 'kubelet', fp);
    this.sim.event(pod, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet', fp);
    // Long-running servers (restartPolicy Always, init containers excepted) only end when they fail.
    const longRunning = restart === 'Always' && !c.init;
    if (longRunning && result.code === 0) c.endsAt = undefined;
    else if (result.slept === Infinity && result.code === 0) c.endsAt = undefined;
    else c.endsAt = now + Math.max(this.sim.stepMs, Number.isFinite(result.slept) ? result.slept * 1000 : 0);
  }

  private finish(pod: KubeObject, c: ContainerRun, restart: string, now: number): void {
    const code = c.willExit ?? 0;
    const terminated = {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      startedAt: c.startedAt,
      finishedAt: nowTimestamp(),
      containerID: c.containerID,
    };
    c.endsAt = undefined;
    // Init containers that succeed are done; failed ones (and, with Always, every container) restart.
    const again = code !== 0 ? restart !== 'Never' : restart === 'Always' && !c.init;
    if (!again) {
      c.state = 'terminated';
      c.exitCode = code;
      c.reason = terminated.reason;
      c.finishedAt = terminated.finishedAt;
      return;
    }
    // The kubelet restarts it after a back-off that doubles from 10s (here from one step).
    c.lastState = { terminated };
    c.restartCount++;
    c.state = 'waiting';
    c.reason = 'CrashLoopBackOff';
    const backoff = Math.min(this.sim.stepMs * 2 ** Math.min(c.restartCount, 12), 300_000);
    c.message = `back-off ${Math.max(10, Math.round(backoff / 1000))}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
    c.endsAt = now + backoff;
    this.sim.event(
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
      'kubelet',
      fieldPath(c),
    );
  }

  private writeStatus(pod: KubeObject, rt: PodRuntime): void {
    const spec = (pod.spec ?? {}) as Any;
    const runs = rt.containers!;
    const inits = runs.filter((c) => c.init);
    const mains = runs.filter((c) => !c.init);
    const initialized = inits.every((c) => c.state === 'terminated' && c.exitCode === 0);
    const restart = spec.restartPolicy ?? 'Always';
    let phase = 'Pending';
    const allDone = mains.length > 0 && mains.every((c) => c.state === 'terminated');
    const initFailed = inits.some((c) => c.state === 'terminated' && c.exitCode !== 0);
    if (initFailed) phase = 'Failed';
    else if (allDone) phase = mains.every((c) => c.exitCode === 0) ? 'Succeeded' : 'Failed';
    else if (initialized && mains.some((c) => c.state === 'running' || c.restartCount > 0)) phase = 'Running';
    const ready = (c: ContainerRun) => c.state === 'running';
    const unready = mains.filter((c) => !ready(c)).map((c) => c.name);
    const completed = phase === 'Succeeded' || phase === 'Failed';
    const now = nowTimestamp();
    const old = (pod.status ?? {}) as Any;
    const conds: Condition[] = [
      { type: 'PodReadyToStartContainers', status: completed ? 'False' : 'True' },
      initialized
        ? { type: 'Initialized', status: 'True', ...(completed ? { reason: 'PodCompleted' } : {}) }
        : {
            type: 'Initialized',
            status: 'False',
            reason: 'ContainersNotInitialized',
            message: `containers with incomplete status: [${inits
              .filter((c) => !(c.state === 'terminated' && c.exitCode === 0))
              .map((c) => c.name)
              .join(' ')}]`,
          },
      completed
        ? { type: 'Ready', status: 'False', reason: 'PodCompleted' }
        : unready.length
          ? { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }
          : { type: 'Ready', status: 'True' },
      completed
        ? { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }
        : unready.length
          ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }
          : { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ];
    const status: Any = {
      phase,
      conditions: mergeConditions(old.conditions, conds),
      hostIP: this.nodeIp(spec.nodeName),
      hostIPs: [{ ip: this.nodeIp(spec.nodeName) }],
      podIP: rt.ip,
      podIPs: [{ ip: rt.ip }],
      startTime: rt.startTime,
      ...(inits.length ? { initContainerStatuses: inits.map((c) => containerStatus(c, false)) } : {}),
      containerStatuses: mains.map((c) => containerStatus(c, ready(c))),
      qosClass: old.qosClass ?? 'BestEffort',
    };
    if (completed && restart !== 'Always') {
      delete status.podIP;
      delete status.podIPs;
    }
    status.conditions = status.conditions.map((c: Condition) => ({ ...c, lastProbeTime: null, lastTransitionTime: c.lastTransitionTime ?? now }));
    this.sim.setStatus(this.pods, pod, status);
  }

  private allocateIp(): string {
    const n = this.nextIp++;
    return `10.244.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  private nodeIp(node: string | undefined): string {
    const i = Math.max(0, this.sim.nodes.indexOf(node ?? ''));
    return `172.18.0.${i + 2}`;
  }

  // ---- exec and logs ----

  /** The text a container printed (pods/log); throws the API errors a kubelet-backed server gives. */
  logs(namespace: string, name: string, container: string | undefined): Buffer {
    const pod = this.core().tryGet(this.pods, namespace, name);
    if (!pod) throw notFound(this.pods, name);
    const c = this.pickContainer(pod, container, true);
    const run = this.runtimeOf(pod)?.containers?.find((x) => x.name === c);
    if (!run || (run.state === 'waiting' && run.restartCount === 0)) {
      const reason = run?.reason ?? 'ContainerCreating';
      throw badRequest(
        `container "${c}" in pod "${name}" is waiting to start: ${reason === 'ContainerCreating' || !run ? 'ContainerCreating' : `trying and failing to pull image`}`,
      );
    }
    return this.runtimeOf(pod)!.logs.get(c) ?? Buffer.alloc(0);
  }

  /** Runs a command in a container of a running pod; errors are API errors (the exec never starts). */
  exec(namespace: string, name: string, container: string | undefined, argv: string[]): { code: number; stdout: Buffer; stderr: string } {
    const pod = this.core().tryGet(this.pods, namespace, name);
    if (!pod) throw notFound(this.pods, name);
    if (!(pod.spec as Any)?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const c = this.pickContainer(pod, container, false);
    const rt = this.runtimeOf(pod);
    const run = rt?.containers?.find((x) => x.name === c);
    if (!rt || !run || run.state !== 'running') throw badRequest(`unable to upgrade connection: container not found ("${c}")`);
    if (!argv.length) throw badRequest('you must specify at least one command for the container');
    const spec = ((pod.spec as Any).containers as Any[]).find((x) => x.name === c) ?? {};
    const env: Record<string, string> = { HOSTNAME: name, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' };
    for (const e of (spec.env ?? []) as Any[]) if (typeof e.value === 'string') env[e.name] = e.value;
    const r = runArgv(argv, rt.fs, { env });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  private pickContainer(pod: KubeObject, container: string | undefined, includeInit: boolean): string {
    const spec = (pod.spec ?? {}) as Any;
    const mains = ((spec.containers ?? []) as Any[]).map((c) => c.name as string);
    const inits = ((spec.initContainers ?? []) as Any[]).map((c) => c.name as string);
    if (!container) {
      const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
      if (annotated && mains.includes(annotated)) return annotated;
      if (mains.length === 1) return mains[0];
      throw badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${mains.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`,
      );
    }
    if (mains.includes(container) || (includeInit && inits.includes(container))) return container;
    throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  }
}

function newRun(c: Any, init: boolean): ContainerRun {
  return { name: c.name, image: String(c.image ?? ''), init, state: 'waiting', restartCount: 0 };
}

function fieldPath(c: ContainerRun): string {
  return `spec.${c.init ? 'initContainers' : 'containers'}{${c.name}}`;
}

/** docker.io/library/nginx:latest for "nginx", as the container runtime reports images. */
export function fullImage(image: string): string {
  let ref = image;
  const first = ref.split('/')[0];
  if (!ref.includes('/')) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const last = ref.split('/').pop()!;
  if (!last.includes(':') && !ref.includes('@')) ref += ':latest';
  return ref;
}

function containerStatus(c: ContainerRun, ready: boolean): Any {
  const state: Any =
    c.state === 'running'
      ? { running: { startedAt: c.startedAt } }
      : c.state === 'terminated'
        ? { terminated: { containerID: c.containerID, exitCode: c.exitCode, finishedAt: c.finishedAt, reason: c.reason, startedAt: c.startedAt } }
        : { waiting: { ...(c.message ? { message: c.message } : {}), reason: c.reason ?? 'PodInitializing' } };
  const pulled = c.containerID !== undefined;
  const image = fullImage(c.image);
  return {
    ...(pulled ? { containerID: c.containerID } : {}),
    image: pulled ? image : c.image,
    imageID: pulled ? `${image.replace(/:[^/:]*$/, '')}@sha256:${createHashHex(image)}` : '',
    lastState: c.lastState ?? {},
    name: c.name,
    ready,
    restartCount: c.restartCount,
    started: c.state === 'running',
    state,
  };
}

function createHashHex(text: string): string {
  let out = '';
  let h = 0x811c9dc5;
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ round, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

/** Replaces conditions by type, keeping lastTransitionTime where the status did not change. */
function mergeConditions(old: Condition[] | undefined, next: Condition[]): Condition[] {
  const now = nowTimestamp();
  const byType = new Map((old ?? []).map((c) => [c.type, c]));
  const out = next.map((c) => {
    const prev = byType.get(c.type);
    byType.delete(c.type);
    return { ...c, lastProbeTime: null, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
  });
  return [...out, ...byType.values()];
}
