/** The Prometheus text exposition format that Kubernetes components (and the KUDO manager) serve on /metrics. */

/** `{k="v",...}` with values escaped as the format wants; empty for no labels. Labels keep the order given. */
export function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A metric family: its HELP and TYPE lines, then one line per sample (`<labels> <value>`). */
export function family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: string[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map((s) => `${name}${s}`)];
}
