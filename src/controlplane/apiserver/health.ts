/**
 * The health endpoints (/healthz, /livez, /readyz): "ok" on their own, one line per check with
 * `?verbose`, a single check at /livez/<check>, and `?exclude=<check>` to leave checks out, as
 * kube-apiserver answers them. This server has no failing checks: when it serves, it is healthy.
 */

const COMMON = [
  'ping',
  'log',
  'etcd',
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/priority-and-fairness-config-consumer',
  'poststarthook/priority-and-fairness-filter',
  'poststarthook/storage-object-count-tracker-hook',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/crd-informer-synced',
  'poststarthook/start-system-namespaces-controller',
  'poststarthook/bootstrap-controller',
  'poststarthook/rbac/bootstrap-roles',
  'poststarthook/scheduling/bootstrap-system-priority-classes',
  'poststarthook/start-cluster-authentication-info-controller',
  'poststarthook/apiservice-registration-controller',
];

/** The checks of each endpoint, in the order kube-apiserver lists them. */
const CHECKS: Record<string, string[]> = {
  healthz: COMMON,
  livez: COMMON,
  // Readiness also waits for etcd to answer, informers to sync and shutdown not to have begun.
  readyz: [...COMMON.slice(0, 3), 'etcd-readiness', 'informer-sync', ...COMMON.slice(3), 'shutdown'],
};

export interface HealthAnswer {
  status: number;
  body: string;
}

/** The answer for a health path (`/readyz`, `/livez/etcd`), or undefined when the path is not one. */
export function healthAnswer(path: string, query: URLSearchParams): HealthAnswer | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (!m) return undefined;
  const checks = CHECKS[m[1]];
  if (m[2] !== undefined) return checks.includes(m[2]) ? { status: 200, body: 'ok' } : undefined;
  if (!query.has('verbose')) return { status: 200, body: 'ok' };
  // exclude may repeat or list several checks separated by commas.
  const excluded = new Set(query.getAll('exclude').flatMap((e) => e.split(',')));
  const lines = checks.map((c) => (excluded.has(c) ? `[+]${c} excluded: ok` : `[+]${c} ok`));
  return { status: 200, body: `${lines.join('\n')}\n${m[1]} check passed\n` };
}
