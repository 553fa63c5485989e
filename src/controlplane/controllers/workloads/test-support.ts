/**
 * For the controllers' in-process tests: a bare API core with the built-in kinds and the
 * garbage collector, the given controllers on a fast work queue, and a poll-until helper.
 */
import assert from 'node:assert/strict';
import { installBuiltinPolicies } from '../../admission/builtin-policies.js';
import { registerBuiltins } from '../../apiserver/builtins.js';
import { ApiCore } from '../../apiserver/core.js';
import { Registry, type ResourceType } from '../../apiserver/registry.js';
import { Store } from '../../storage/store.js';
import { GarbageCollector } from '../garbage-collector.js';
import { ensureNodes } from './infra.js';
import { Sim, type Controller } from './sim.js';

export interface ControllerEnv {
  core: ApiCore;
  sim: Sim;
  /** The v1 resource type of a group and resource. */
  t: (group: string, resource: string) => ResourceType;
  stop(): void;
}

/** Starts `make`'s controllers on a fresh core with a `default` namespace (and simulated nodes when asked). */
export function startControllers(make: (sim: Sim) => Controller[], opts: { nodes?: string[]; withNodes?: boolean } = {}): ControllerEnv {
  const registry = new Registry();
  registerBuiltins(registry);
  installBuiltinPolicies(registry);
  const core = new ApiCore(new Store(), registry);
  core.create(registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const gc = new GarbageCollector(core);
  gc.start();
  const sim = new Sim(core, { stepMs: 5, nodes: opts.nodes });
  if (opts.withNodes) ensureNodes(sim);
  for (const c of make(sim)) sim.add(c);
  sim.start();
  return {
    core,
    sim,
    t: (g, r) => registry.lookup(g, 'v1', r)!,
    stop: () => {
      sim.stop();
      gc.stop();
    },
  };
}

/** Polls `get` every 5 ms until `ok`, failing with what it last saw after `ms`. */
export async function until<T>(what: string, get: () => T, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify((v as { status?: unknown } | undefined)?.status ?? v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
