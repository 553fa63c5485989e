import { family, labelText } from '../../k8s/prometheus.js';

/**
 * /metrics in the Prometheus text format, with the kube-apiserver series people look at
 * first: requests by verb, resource and code (apiserver_request_total), stored objects per
 * resource (apiserver_storage_objects), the build (kubernetes_build_info) and the start time.
 */

export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  dryRun: boolean;
  code: number;
}

/** What kube-apiserver's metrics call a request, from its authorisation verb and method. */
export function metricsVerb(verb: string, contentType: string): string {
  if (verb === 'create') return 'POST';
  if (verb === 'update') return 'PUT';
  if (verb === 'patch' && contentType.startsWith('application/apply-patch')) return 'APPLY';
  return verb.toUpperCase();
}

export class RequestMetrics {
  private readonly requests = new Map<string, number>();
  private readonly startSeconds = Date.now() / 1000;

  record(r: RequestLabels): void {
    const key = labelText({
      code: String(r.code),
      component: 'apiserver',
      dry_run: r.dryRun ? 'All' : '',
      group: r.group,
      resource: r.resource,
      scope: r.scope,
      subresource: r.subresource,
      verb: r.verb,
      version: r.version,
    });
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** The exposition text; `objects` counts stored objects by resource (`deployments.apps`). */
  render(build: Record<string, string>, objects: Map<string, number>): string {
    const byKey = ([a]: [string, number], [b]: [string, number]) => (a < b ? -1 : a > b ? 1 : 0);
    const out = [
      ...family(
        'apiserver_request_total',
        'counter',
        '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
        [...this.requests].sort(byKey).map(([labels, n]) => `${labels} ${n}`),
      ),
      ...family(
        'apiserver_storage_objects',
        'gauge',
        '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
        [...objects].sort(byKey).map(([resource, n]) => `${labelText({ resource })} ${n}`),
      ),
      ...family(
        'kubernetes_build_info',
        'gauge',
        "[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.",
        [
          `${labelText({
            build_date: build.buildDate,
            compiler: build.compiler,
            git_commit: build.gitCommit,
            git_tree_state: build.gitTreeState,
            git_version: build.gitVersion,
            go_version: build.goVersion,
            major: build.major,
            minor: build.minor,
            platform: build.platform,
          })} 1`,
        ],
      ),
      ...family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [` ${this.startSeconds}`]),
    ];
    return out.join('\n') + '\n';
  }
}
