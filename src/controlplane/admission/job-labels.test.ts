import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { jobSelector } from './builtin-policies.js';

const job = (labels?: Record<string, string>, manualSelector?: boolean): KubeObject =>
  ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', uid: 'u1', ...(labels ? { labels } : {}) },
    spec: { ...(manualSelector ? { manualSelector, selector: { matchLabels: { a: 'b' } } } : {}), template: { metadata: { labels: { a: 'b' } }, spec: {} } },
  }) as KubeObject;

test('a Job without labels takes its pod template labels, selector labels included', () => {
  const j = job();
  jobSelector(j);
  assert.deepEqual(j.metadata.labels, {
    a: 'b',
    'batch.kubernetes.io/controller-uid': 'u1',
    'batch.kubernetes.io/job-name': 'j',
    'controller-uid': 'u1',
    'job-name': 'j',
  });
});

test('a Job keeps its own labels; a manual selector leaves the template as written', () => {
  const own = job({ mine: 'yes' });
  jobSelector(own);
  assert.deepEqual(own.metadata.labels, { mine: 'yes' });
  const manual = job(undefined, true);
  jobSelector(manual);
  assert.deepEqual(manual.metadata.labels, { a: 'b' });
  assert.deepEqual((manual.spec as { selector: unknown }).selector, { matchLabels: { a: 'b' } });
});
