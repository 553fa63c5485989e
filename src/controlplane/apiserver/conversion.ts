/**
 * Conversions between the served versions of kinds whose versions differ in shape. The store
 * keeps one version (the kind's storage version) and every read and write crosses it, as the
 * real API server converts through its internal types.
 *
 * HorizontalPodAutoscaler: autoscaling/v1 has only a CPU utilization target; everything else
 * autoscaling/v2 holds rides in v1 annotations, written in the autoscaling/v1 metric shapes
 * (and behavior in Go's field names, as the API server marshals its internal type).
 */
import type { KubeObject } from '../../k8s/object.js';
import { cloneJson } from './json.js';
import type { Conversion } from './registry.js';

type Json = Record<string, unknown>;

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** The CPU utilization target autoscaling/v1 implies when none is given. */
const DEFAULT_CPU_UTILIZATION = 80;

export const hpaConversion: Conversion = {
  storageVersion: 'v2',
  convert(obj, fromVersion, toVersion) {
    if (fromVersion === toVersion) return cloneJson(obj);
    if (fromVersion === 'v1' && toVersion === 'v2') return hpaV1ToV2(obj);
    if (fromVersion === 'v2' && toVersion === 'v1') return hpaV2ToV1(obj);
    throw new Error(`no conversion for HorizontalPodAutoscaler from ${fromVersion} to ${toVersion}`);
  },
};

/** Keeps only the defined entries, in the given order (Go leaves nil pointers out). */
function defined(entries: [string, unknown][]): Json {
  const out: Json = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

const asObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

function isCpuUtilization(m: Json): boolean {
  const r = asObject(m.resource);
  return m.type === 'Resource' && m.resource !== undefined && r.name === 'cpu' && asObject(r.target).type === 'Utilization';
}

function withoutRoundTripAnnotations(meta: KubeObject['metadata']): KubeObject['metadata'] {
  const annotations = meta.annotations;
  if (!annotations || !ROUND_TRIP_ANNOTATIONS.some((a) => a in annotations)) return meta;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !ROUND_TRIP_ANNOTATIONS.includes(k)));
  const { annotations: _dropped, ...rest } = meta;
  return Object.keys(kept).length ? { ...rest, annotations: kept } : rest;
}

/** Go's json.Unmarshal of an annotation, errors ignored as the API server ignores them. */
function parseAnnotation(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- v2 → v1 ----

function hpaV2ToV1(src: KubeObject): KubeObject {
  const obj = cloneJson(src);
  const spec = asObject(obj.spec);
  const status = obj.status === undefined ? undefined : asObject(obj.status);
  const metrics = asList(spec.metrics);
  const currentMetrics = asList(status?.currentMetrics);
  const conditions = asList(status?.conditions);
  const cpu = metrics.find(
    (m) => m.type === 'Resource' && asObject(m.resource).name === 'cpu' && asObject(asObject(m.resource).target).averageUtilization !== undefined,
  );
  const cpuNow = currentMetrics.find((m) => m.type === 'Resource' && asObject(m.resource).name === 'cpu');

  const meta = withoutRoundTripAnnotations(obj.metadata);
  const extra: Record<string, string> = {};
  const others = metrics.filter((m) => !isCpuUtilization(m));
  if (others.length) extra[METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (currentMetrics.length) extra[CURRENT_METRICS_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (spec.behavior !== undefined && spec.behavior !== null) extra[BEHAVIOR_ANNOTATION] = JSON.stringify(behaviorToGo(asObject(spec.behavior)));
  if (conditions.length) extra[CONDITIONS_ANNOTATION] = JSON.stringify(conditions.map(conditionShape));
  if (Object.keys(extra).length) meta.annotations = { ...meta.annotations, ...extra };

  const out: KubeObject = { apiVersion: 'autoscaling/v1', kind: obj.kind, metadata: meta };
  if (obj.spec !== undefined)
    out.spec = defined([
      ['scaleTargetRef', spec.scaleTargetRef],
      ['minReplicas', spec.minReplicas],
      ['maxReplicas', spec.maxReplicas],
      ['targetCPUUtilizationPercentage', cpu ? asObject(asObject(cpu.resource).target).averageUtilization : undefined],
    ]);
  if (status)
    out.status = defined([
      ['observedGeneration', status.observedGeneration],
      ['lastScaleTime', status.lastScaleTime],
      ['currentReplicas', status.currentReplicas],
      ['desiredReplicas', status.desiredReplicas],
      ['currentCPUUtilizationPercentage', cpuNow ? asObject(asObject(cpuNow.resource).current).averageUtilization : undefined],
    ]);
  return out;
}

/** A v1 quantity that is not a pointer: Go writes its zero value as "0". */
const quantity = (v: unknown): unknown => v ?? '0';

function metricSpecToV1(m: Json): Json {
  const out: Json = { type: m.type };
  if (m.object !== undefined) {
    const o = asObject(m.object);
    const metric = asObject(o.metric);
    const target = asObject(o.target);
    out.object = defined([
      ['target', o.describedObject ?? {}],
      ['metricName', metric.name ?? ''],
      ['targetValue', quantity(target.value)],
      ['selector', metric.selector],
      ['averageValue', target.averageValue],
    ]);
  }
  if (m.pods !== undefined) {
    const p = asObject(m.pods);
    const metric = asObject(p.metric);
    out.pods = defined([
      ['metricName', metric.name ?? ''],
      ['targetAverageValue', quantity(asObject(p.target).averageValue)],
      ['selector', metric.selector],
    ]);
  }
  if (m.resource !== undefined) {
    const r = asObject(m.resource);
    const target = asObject(r.target);
    out.resource = defined([
      ['name', r.name ?? ''],
      ['targetAverageUtilization', target.averageUtilization],
      ['targetAverageValue', target.averageValue],
    ]);
  }
  if (m.containerResource !== undefined) {
    const r = asObject(m.containerResource);
    const target = asObject(r.target);
    out.containerResource = defined([
      ['name', r.name ?? ''],
      ['targetAverageUtilization', target.averageUtilization],
      ['targetAverageValue', target.averageValue],
      ['container', r.container ?? ''],
    ]);
  }
  if (m.external !== undefined) {
    const e = asObject(m.external);
    const metric = asObject(e.metric);
    const target = asObject(e.target);
    out.external = defined([
      ['metricName', metric.name ?? ''],
      ['metricSelector', metric.selector],
      ['targetValue', target.value],
      ['targetAverageValue', target.averageValue],
    ]);
  }
  return out;
}

function metricStatusToV1(m: Json): Json {
  const out: Json = { type: m.type };
  if (m.object !== undefined) {
    const o = asObject(m.object);
    const metric = asObject(o.metric);
    const current = asObject(o.current);
    out.object = defined([
      ['target', o.describedObject ?? {}],
      ['metricName', metric.name ?? ''],
      ['currentValue', quantity(current.value)],
      ['selector', metric.selector],
      ['averageValue', current.averageValue],
    ]);
  }
  if (m.pods !== undefined) {
    const p = asObject(m.pods);
    const metric = asObject(p.metric);
    out.pods = defined([
      ['metricName', metric.name ?? ''],
      ['currentAverageValue', quantity(asObject(p.current).averageValue)],
      ['selector', metric.selector],
    ]);
  }
  if (m.resource !== undefined) {
    const r = asObject(m.resource);
    const current = asObject(r.current);
    out.resource = defined([
      ['name', r.name ?? ''],
      ['currentAverageUtilization', current.averageUtilization],
      ['currentAverageValue', quantity(current.averageValue)],
    ]);
  }
  if (m.containerResource !== undefined) {
    const r = asObject(m.containerResource);
    const current = asObject(r.current);
    out.containerResource = defined([
      ['name', r.name ?? ''],
      ['currentAverageUtilization', current.averageUtilization],
      ['currentAverageValue', quantity(current.averageValue)],
      ['container', r.container ?? ''],
    ]);
  }
  if (m.external !== undefined) {
    const e = asObject(m.external);
    const metric = asObject(e.metric);
    const current = asObject(e.current);
    out.external = defined([
      ['metricName', metric.name ?? ''],
      ['metricSelector', metric.selector],
      ['currentValue', quantity(current.value)],
      ['currentAverageValue', current.averageValue],
    ]);
  }
  return out;
}

function conditionShape(c: Json): Json {
  return defined([
    ['type', c.type ?? ''],
    ['status', c.status ?? ''],
    ['lastTransitionTime', c.lastTransitionTime],
    ['reason', c.reason],
    ['message', c.message],
  ]);
}

/** The behavior as Go marshals its internal type: field names capitalised, nil pointers as null. */
function behaviorToGo(b: Json): Json {
  const rules = (r: unknown): Json | null => {
    if (r === undefined || r === null) return null;
    const x = asObject(r);
    return {
      StabilizationWindowSeconds: x.stabilizationWindowSeconds ?? null,
      SelectPolicy: x.selectPolicy ?? null,
      Policies: Array.isArray(x.policies)
        ? asList(x.policies).map((p) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 }))
        : null,
      Tolerance: x.tolerance ?? null,
    };
  };
  return { ScaleUp: rules(b.scaleUp), ScaleDown: rules(b.scaleDown) };
}

// ---- v1 → v2 ----

function hpaV1ToV2(src: KubeObject): KubeObject {
  const obj = cloneJson(src);
  const spec = asObject(obj.spec);
  const status = obj.status === undefined ? undefined : asObject(obj.status);
  const annotations = obj.metadata.annotations ?? {};

  let metrics: Json[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') metrics = [cpuTarget(spec.targetCPUUtilizationPercentage)];
  const others = parseAnnotation(annotations[METRICS_ANNOTATION]);
  // The CPU target goes after the annotation's metrics, as the API server appends it.
  if (Array.isArray(others)) metrics = [...others.map((m) => metricSpecFromV1(asObject(m))), ...metrics];
  // autoscaling/v1 always implies a CPU target.
  if (!metrics.length) metrics = [cpuTarget(DEFAULT_CPU_UTILIZATION)];
  const behavior = behaviorFromGo(parseAnnotation(annotations[BEHAVIOR_ANNOTATION]));

  let currentMetrics: Json[] | undefined;
  if (typeof status?.currentCPUUtilizationPercentage === 'number')
    currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  const current = parseAnnotation(annotations[CURRENT_METRICS_ANNOTATION]);
  if (Array.isArray(current)) currentMetrics = current.map((m) => metricStatusFromV1(asObject(m)));
  const conditionsNote = parseAnnotation(annotations[CONDITIONS_ANNOTATION]);
  const conditions = Array.isArray(conditionsNote) ? conditionsNote.map((c) => conditionShape(asObject(c))) : undefined;

  const out: KubeObject = { apiVersion: 'autoscaling/v2', kind: obj.kind, metadata: withoutRoundTripAnnotations(obj.metadata) };
  if (obj.spec !== undefined)
    out.spec = defined([
      ['scaleTargetRef', spec.scaleTargetRef],
      ['minReplicas', spec.minReplicas],
      ['maxReplicas', spec.maxReplicas],
      ['metrics', metrics],
      ['behavior', behavior],
    ]);
  if (status || currentMetrics || conditions) {
    const s = status ?? {};
    out.status = defined([
      ['observedGeneration', s.observedGeneration],
      ['lastScaleTime', s.lastScaleTime],
      ['currentReplicas', s.currentReplicas],
      ['desiredReplicas', s.desiredReplicas],
      ['currentMetrics', currentMetrics],
      ['conditions', conditions],
    ]);
  }
  return out;
}

function cpuTarget(utilization: number): Json {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } };
}

const metricId = (name: unknown, selector: unknown): Json =>
  defined([
    ['name', name ?? ''],
    ['selector', selector],
  ]);

function metricSpecFromV1(m: Json): Json {
  const out: Json = { type: m.type };
  if (m.object !== undefined) {
    const o = asObject(m.object);
    const type = o.averageValue === undefined ? 'Value' : 'AverageValue';
    out.object = {
      describedObject: o.target ?? {},
      target: defined([
        ['type', type],
        ['value', quantity(o.targetValue)],
        ['averageValue', o.averageValue],
      ]),
      metric: metricId(o.metricName, o.selector),
    };
  }
  if (m.pods !== undefined) {
    const p = asObject(m.pods);
    out.pods = { metric: metricId(p.metricName, p.selector), target: { type: 'AverageValue', averageValue: quantity(p.targetAverageValue) } };
  }
  if (m.resource !== undefined) {
    const r = asObject(m.resource);
    out.resource = { name: r.name ?? '', target: resourceTarget(r) };
  }
  if (m.containerResource !== undefined) {
    const r = asObject(m.containerResource);
    out.containerResource = { name: r.name ?? '', target: resourceTarget(r), container: r.container ?? '' };
  }
  if (m.external !== undefined) {
    const e = asObject(m.external);
    const type = e.targetAverageValue === undefined ? 'Value' : 'AverageValue';
    out.external = {
      metric: metricId(e.metricName, e.metricSelector),
      target: defined([
        ['type', type],
        ['value', e.targetValue],
        ['averageValue', e.targetAverageValue],
      ]),
    };
  }
  return out;
}

function resourceTarget(r: Json): Json {
  const type = r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization';
  return defined([
    ['type', type],
    ['averageValue', r.targetAverageValue],
    ['averageUtilization', r.targetAverageUtilization],
  ]);
}

function metricStatusFromV1(m: Json): Json {
  const out: Json = { type: m.type };
  if (m.object !== undefined) {
    const o = asObject(m.object);
    out.object = {
      metric: metricId(o.metricName, o.selector),
      current: defined([
        ['value', quantity(o.currentValue)],
        ['averageValue', o.averageValue],
      ]),
      describedObject: o.target ?? {},
    };
  }
  if (m.pods !== undefined) {
    const p = asObject(m.pods);
    out.pods = { metric: metricId(p.metricName, p.selector), current: { averageValue: quantity(p.currentAverageValue) } };
  }
  if (m.resource !== undefined) {
    const r = asObject(m.resource);
    out.resource = {
      name: r.name ?? '',
      current: defined([
        ['averageValue', quantity(r.currentAverageValue)],
        ['averageUtilization', r.currentAverageUtilization],
      ]),
    };
  }
  if (m.containerResource !== undefined) {
    const r = asObject(m.containerResource);
    out.containerResource = {
      name: r.name ?? '',
      current: defined([
        ['averageValue', quantity(r.currentAverageValue)],
        ['averageUtilization', r.currentAverageUtilization],
      ]),
      container: r.container ?? '',
    };
  }
  if (m.external !== undefined) {
    const e = asObject(m.external);
    out.external = {
      metric: metricId(e.metricName, e.metricSelector),
      current: defined([
        ['value', quantity(e.currentValue)],
        ['averageValue', e.currentAverageValue],
      ]),
    };
  }
  return out;
}

/** Reads the behavior annotation; Go's decoder matches field names without regard to case. */
function behaviorFromGo(note: unknown): Json | undefined {
  if (!note || typeof note !== 'object' || Array.isArray(note)) return undefined;
  const field = (o: Json, name: string): unknown => {
    const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
    const v = key === undefined ? undefined : o[key];
    return v === null ? undefined : v;
  };
  const rules = (r: unknown): Json | undefined => {
    if (!r || typeof r !== 'object') return undefined;
    const x = r as Json;
    const policies = field(x, 'policies');
    return defined([
      ['stabilizationWindowSeconds', field(x, 'stabilizationWindowSeconds')],
      ['selectPolicy', field(x, 'selectPolicy')],
      [
        'policies',
        Array.isArray(policies)
          ? policies.map((p) =>
              defined([
                ['type', field(asObject(p), 'type')],
                ['value', field(asObject(p), 'value')],
                ['periodSeconds', field(asObject(p), 'periodSeconds')],
              ]),
            )
          : undefined,
      ],
      ['tolerance', field(x, 'tolerance')],
    ]);
  };
  const b = note as Json;
  const scaleUp = rules(field(b, 'scaleUp'));
  const scaleDown = rules(field(b, 'scaleDown'));
  // An empty behavior is no behavior.
  if (!scaleUp && !scaleDown) return undefined;
  return defined([
    ['scaleUp', scaleUp],
    ['scaleDown', scaleDown],
  ]);
}
