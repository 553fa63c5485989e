/** A small Prometheus registry: counters, gauges and histograms with labels, in the text format. */
import { family, labelText } from '../k8s/prometheus.js';

type Labels = Record<string, string>;

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const v = this.values.get(key) ?? { labels, value: 0 };
    v.value += by;
    this.values.set(key, v);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  total(): number {
    let t = 0;
    for (const v of this.values.values()) t += v.value;
    return t;
  }
  render(): string[] {
    return family(
      this.name,
      'counter',
      this.help,
      [...this.values.values()].map((v) => `${labelText(v.labels)} ${v.value}`),
    );
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}
  render(): string[] {
    return family(this.name, 'gauge', this.help, [` ${this.read()}`]);
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    const s = this.series.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
    this.series.set(key, s);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<T extends Metric>(m: T): T {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.flatMap((m) => m.render()).join('\n') + '\n';
  }
}

/** The manager's metrics. */
export class ManagerMetrics {
  readonly registry = new Registry();
  readonly reconciles = this.registry.register(new Counter('kudo_manager_reconciles_total', 'Instance reconciles by result.'));
  readonly planDuration = this.registry.register(
    new Histogram('kudo_manager_plan_duration_seconds', 'Time from plan start to a terminal status, by plan and status.', [0.1, 0.5, 1, 5, 15, 60, 300, 1800]),
  );
  readonly apiCalls = this.registry.register(new Counter('kudo_manager_api_requests_total', 'Kubernetes API calls by verb and result.'));
  readonly webhookRequests = this.registry.register(new Counter('kudo_manager_webhook_requests_total', 'Admission requests by operation and verdict.'));
  constructor(queueDepth: () => number) {
    this.registry.register(new Gauge('kudo_manager_workqueue_depth', 'Instances waiting to be reconciled.', queueDepth));
    this.registry.register(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss()));
    this.registry.register(
      new Gauge(
        'process_max_resident_memory_bytes',
        'Peak resident memory size in bytes since the process started.',
        () => process.resourceUsage().maxRSS * 1024,
      ),
    );
    this.registry.register(
      new Gauge('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      }),
    );
    this.registry.register(new Gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed));
  }
}
