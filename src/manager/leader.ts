/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the
 * holder renews the lease every `renewMs`; another replica takes it over once it
 * has not been renewed for `leaseDurationSeconds`; a leader that cannot renew in
 * time steps down. Writes carry the resourceVersion, so two replicas never both win.
 */
import { isAlreadyExists, isConflict, type Cluster } from '../cluster/cluster.js';
import type { KubeObject } from '../k8s/object.js';
import type { Logger } from './log.js';

export interface LeaderElectionOptions {
  cluster: Cluster;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewMs?: number;
  retryMs?: number;
  log: Logger;
}

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

const microTime = (d = new Date()): string => d.toISOString().replace('Z', '000Z');

export class LeaderElector {
  private stopped = false;
  private leading = false;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;

  constructor(private readonly opts: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get duration(): number {
    return this.opts.leaseDurationSeconds ?? 15;
  }

  private ref() {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.opts.namespace, name: this.opts.name };
  }

  /** One attempt to acquire or renew; true when this replica holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { cluster, identity } = this.opts;
    const now = new Date();
    const lease = await cluster.get<Lease>(this.ref());
    if (!lease) {
      try {
        await cluster.create<Lease>({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.opts.name, namespace: this.opts.namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: this.duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = !spec.holderIdentity || renewed + (spec.leaseDurationSeconds ?? this.duration) * 1000 < now.getTime();
    const mine = spec.holderIdentity === identity;
    if (!mine && !expired) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: this.duration,
        renewTime: microTime(now),
        ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      await cluster.update(next);
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
      this.wake = resolve;
    });
  }

  /** Resolves once this replica leads; then keeps renewing and calls onLost if leadership is lost. */
  async acquire(onLost: () => void): Promise<boolean> {
    const retry = this.opts.retryMs ?? 2000;
    while (!this.stopped) {
      try {
        if (await this.tryAcquireOrRenew()) break;
      } catch (e) {
        this.opts.log.warn('leader election failed', { error: (e as Error).message });
      }
      await this.sleep(retry);
    }
    if (this.stopped) return false;
    this.leading = true;
    this.opts.log.info('became leader', { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
    void this.renewLoop(onLost);
    return true;
  }

  private async renewLoop(onLost: () => void): Promise<void> {
    const renew = this.opts.renewMs ?? 5000;
    let lastRenew = Date.now();
    while (!this.stopped) {
      await this.sleep(renew);
      if (this.stopped) break;
      try {
        if (await this.tryAcquireOrRenew()) {
          lastRenew = Date.now();
          continue;
        }
        this.opts.log.error('lost the lease to another replica');
      } catch (e) {
        this.opts.log.warn('could not renew the lease', { error: (e as Error).message });
        if (Date.now() - lastRenew < this.duration * 1000) continue;
      }
      this.leading = false;
      onLost();
      return;
    }
  }

  /** Stops renewing and hands the lease back so another replica takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.opts.cluster.get<Lease>(this.ref());
      if (lease?.spec?.holderIdentity === this.opts.identity)
        await this.opts.cluster.update({ ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(new Date(0)) } });
    } catch (e) {
      this.opts.log.warn('could not release the lease', { error: (e as Error).message });
    }
  }
}
