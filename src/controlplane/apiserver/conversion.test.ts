import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { Store } from '../storage/store.js';
import { registerBuiltins } from './builtins.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, hpaConversion, METRICS_ANNOTATION } from './conversion.js';
import { ApiCore, type WatchEvent } from './core.js';
import { Registry } from './registry.js';

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

const v1Hpa = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: 'default' },
  spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, ...extra },
});

const memoryMetric = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const cpuMetric = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });
const podsMetric = {
  type: 'Pods',
  pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '10' } },
};
const objectMetric = {
  type: 'Object',
  object: { describedObject: { kind: 'Service', name: 's', apiVersion: 'v1' }, target: { type: 'Value', value: '5' }, metric: { name: 'hits' } },
};
const externalMetric = { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '3' } } };

const v2Hpa = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: 'default' },
  spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, ...spec },
});

function setup() {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  core.create(registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return { core, v1: registry.lookup('autoscaling', 'v1', 'horizontalpodautoscalers')!, v2: registry.lookup('autoscaling', 'v2', 'horizontalpodautoscalers')! };
}

const spec = (o: KubeObject) => o.spec as Record<string, unknown>;
const status = (o: KubeObject) => o.status as Record<string, unknown>;

test('v1 → v2 turns the CPU target into a Resource metric and the current CPU into currentMetrics', () => {
  const v1 = { ...v1Hpa('a', { targetCPUUtilizationPercentage: 60 }), status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 } };
  const v2 = hpaConversion.convert(v1, 'v1', 'v2');
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.deepEqual(spec(v2), { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, metrics: [cpuMetric(60)] });
  assert.deepEqual(status(v2), {
    currentReplicas: 2,
    desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }],
  });
  assert.equal(spec(v1).targetCPUUtilizationPercentage, 60, 'the input is left as it was');
});

test('v1 without a CPU target means the default 80% CPU target in v2', () => {
  assert.deepEqual(spec(hpaConversion.convert(v1Hpa('a'), 'v1', 'v2')).metrics, [cpuMetric(80)]);
});

test('v2 → v1 keeps the CPU utilization target and carries the other metrics and behavior in annotations', () => {
  const behavior = { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } };
  const v2 = v2Hpa('m', { metrics: [memoryMetric, cpuMetric(70), podsMetric, objectMetric, externalMetric], behavior });
  const v1 = hpaConversion.convert(v2, 'v2', 'v1');
  assert.deepEqual(spec(v1), { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 });
  const notes = v1.metadata.annotations!;
  // The shapes the real API server writes (checked against kube-apiserver 1.20).
  assert.equal(
    notes[METRICS_ANNOTATION],
    '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}},' +
      '{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10","selector":{"matchLabels":{"a":"b"}}}},' +
      '{"type":"Object","object":{"target":{"kind":"Service","name":"s","apiVersion":"v1"},"metricName":"hits","targetValue":"5"}},' +
      '{"type":"External","external":{"metricName":"queue","targetAverageValue":"3"}}]',
  );
  assert.equal(
    notes[BEHAVIOR_ANNOTATION],
    '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}',
  );
  // Back to v2: the metrics return (the CPU one after the annotation's), the annotations go.
  const back = hpaConversion.convert(v1, 'v1', 'v2');
  assert.deepEqual(spec(back).metrics, [memoryMetric, podsMetric, objectMetric, externalMetric, cpuMetric(70)]);
  assert.deepEqual(spec(back).behavior, behavior);
  assert.equal(back.metadata.annotations, undefined);
});

test('v2 → v1 status: current CPU, with every current metric and the conditions in annotations', () => {
  const condition = { type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'R', message: 'm' };
  const v2: KubeObject = {
    ...v2Hpa('s', { metrics: [cpuMetric(50)] }),
    metadata: { name: 's', namespace: 'default', annotations: { keep: 'me' } },
    status: {
      currentReplicas: 1,
      desiredReplicas: 1,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 33, averageValue: '100m' } } },
        { type: 'External', external: { metric: { name: 'queue' }, current: { averageValue: '2' } } },
      ],
      conditions: [condition],
    },
  };
  const v1 = hpaConversion.convert(v2, 'v2', 'v1');
  assert.equal(status(v1).currentCPUUtilizationPercentage, 33);
  assert.equal(spec(v1).targetCPUUtilizationPercentage, 50);
  const notes = v1.metadata.annotations!;
  assert.equal(notes.keep, 'me');
  assert.equal(notes[METRICS_ANNOTATION], undefined, 'only the CPU target, which v1 holds itself');
  assert.equal(
    notes[CURRENT_METRICS_ANNOTATION],
    '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":33,"currentAverageValue":"100m"}},' +
      '{"type":"External","external":{"metricName":"queue","currentValue":"0","currentAverageValue":"2"}}]',
  );
  assert.equal(notes[CONDITIONS_ANNOTATION], JSON.stringify([condition]));
  const back = hpaConversion.convert(v1, 'v1', 'v2');
  assert.deepEqual(status(back).conditions, [condition]);
  assert.equal((status(back).currentMetrics as unknown[]).length, 2);
  assert.deepEqual(back.metadata.annotations, { keep: 'me' });
});

test('a malformed round-trip annotation is ignored, as the API server ignores it', () => {
  const v1 = { ...v1Hpa('bad', { targetCPUUtilizationPercentage: 55 }), metadata: { name: 'bad', annotations: { [METRICS_ANNOTATION]: '{not json' } } };
  const v2 = hpaConversion.convert(v1, 'v1', 'v2');
  assert.deepEqual(spec(v2).metrics, [cpuMetric(55)]);
  assert.equal(v2.metadata.annotations, undefined);
});

test('an HPA created as v1 reads as v2 with spec.metrics (get, list, watch)', () => {
  const { core, v1, v2 } = setup();
  const events: WatchEvent[] = [];
  const stop = core.watch(v2, 'default', {}, (e) => events.push(e));
  const created = core.create(v1, 'default', v1Hpa('hpa', { targetCPUUtilizationPercentage: 60 }));
  assert.equal(spec(created).targetCPUUtilizationPercentage, 60);
  assert.equal(created.apiVersion, 'autoscaling/v1');
  const asV2 = core.get(v2, 'default', 'hpa');
  assert.equal(asV2.apiVersion, 'autoscaling/v2');
  assert.deepEqual(spec(asV2).metrics, [cpuMetric(60)]);
  assert.equal(spec(asV2).targetCPUUtilizationPercentage, undefined);
  assert.deepEqual(spec(core.list(v2, 'default').items[0]).metrics, [cpuMetric(60)]);
  assert.deepEqual(spec(events[0].object).metrics, [cpuMetric(60)]);
  stop();
  // Stored once, at the storage version.
  assert.equal(core.store.get('autoscaling/horizontalpodautoscalers', 'default', 'hpa')!.apiVersion, 'autoscaling/v2');
});

test('an HPA created as v2 with several metrics survives a v1 update and patch', () => {
  const { core, v1, v2 } = setup();
  core.create(v2, 'default', v2Hpa('multi', { metrics: [memoryMetric, cpuMetric(70)] }));
  const asV1 = core.get(v1, 'default', 'multi');
  assert.equal(spec(asV1).targetCPUUtilizationPercentage, 70);
  assert.ok(asV1.metadata.annotations?.[METRICS_ANNOTATION]);
  // A v1 client changes the CPU target and sends back what it read.
  const next = structuredClone(asV1);
  spec(next).targetCPUUtilizationPercentage = 75;
  const { object } = core.update(v1, 'default', 'multi', next);
  assert.equal(spec(object).targetCPUUtilizationPercentage, 75);
  assert.deepEqual(spec(core.get(v2, 'default', 'multi')).metrics, [memoryMetric, cpuMetric(75)]);
  assert.equal(core.get(v2, 'default', 'multi').metadata.annotations, undefined);
  // A v1 patch sees the v1 shape and its change reaches v2.
  core.mutate(v1, 'default', 'multi', (o) => ({ ...o, spec: { ...spec(o), maxReplicas: 9 } }));
  const after = core.get(v2, 'default', 'multi');
  assert.equal(spec(after).maxReplicas, 9);
  assert.deepEqual(spec(after).metrics, [memoryMetric, cpuMetric(75)]);
  assert.equal(after.metadata.generation, 3);
});

test('a v1 status write reaches v2 as currentMetrics', () => {
  const { core, v1, v2 } = setup();
  core.create(v2, 'default', v2Hpa('st', { metrics: [cpuMetric(50)] }));
  const current = structuredClone(core.get(v1, 'default', 'st'));
  current.status = { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 42 };
  core.update(v1, 'default', 'st', current, {}, 'status');
  const s = status(core.get(v2, 'default', 'st'));
  assert.deepEqual(s.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }]);
  assert.equal(s.currentReplicas, 2);
});

test('kinds without a conversion are stored as written', () => {
  const { core } = setup();
  const registry = (core as unknown as { registry: Registry }).registry;
  const cms = registry.lookup('', 'v1', 'configmaps')!;
  assert.equal(cms.conversion, undefined);
  const cm = core.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  assert.deepEqual(cm.data, { a: 'b' });
});
