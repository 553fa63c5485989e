import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMismatch, isSubset, pruneToShape, subsetMismatch } from './match.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx', namespace: 'ns', labels: { app: 'nginx', tier: 'web' } },
  spec: {
    replicas: 3,
    template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.7.9', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
  },
  status: { readyReplicas: 3 },
};

describe('subset matching', () => {
  it('matches maps as subsets', () => {
    assert.ok(isSubset({ metadata: { name: 'nginx' } }, deployment));
    assert.ok(isSubset({ metadata: { labels: { app: 'nginx' } } }, deployment));
    assert.ok(isSubset({}, deployment));
  });

  it('reports the path of a value mismatch', () => {
    const m = subsetMismatch({ spec: { replicas: 4 } }, deployment);
    assert.equal(m && formatMismatch(m), '.spec.replicas: value mismatch, expected: 4 != actual: 3');
  });

  it('reports missing keys', () => {
    const m = subsetMismatch({ spec: { paused: true } }, deployment);
    assert.equal(m && formatMismatch(m), '.spec.paused: key is missing from map');
  });

  it('requires identical types', () => {
    const m = subsetMismatch({ spec: { replicas: '3' } }, deployment);
    assert.equal(m && formatMismatch(m), '.spec.replicas: type mismatch: string != float64');
    assert.ok(!isSubset({ a: null }, { a: {} }));
    assert.ok(isSubset({ a: null }, { a: null }));
    assert.ok(!isSubset({ a: true }, { a: 'true' }));
  });

  it('matches lists by length and position, each element as a subset', () => {
    const containers = (x: unknown) => ({ spec: { template: { spec: { containers: x } } } });
    assert.ok(isSubset(containers([{ name: 'nginx', ports: [{ containerPort: 80 }] }]), deployment));
    const extra = subsetMismatch(containers([{ name: 'nginx' }, { name: 'sidecar' }]), deployment);
    assert.equal(extra && formatMismatch(extra), '.spec.template.spec.containers: slice length mismatch: 2 != 1');
    const wrong = subsetMismatch(containers([{ image: 'nginx:1.7.10' }]), deployment);
    assert.equal(wrong && formatMismatch(wrong), '.spec.template.spec.containers[0].image: value mismatch, expected: nginx:1.7.10 != actual: nginx:1.7.9');
    // Order matters: no search by name.
    assert.ok(!isSubset({ l: [{ n: 'b' }, { n: 'a' }] }, { l: [{ n: 'a' }, { n: 'b' }] }));
    assert.ok(isSubset({ l: [] }, { l: [] }));
    assert.ok(!isSubset({ l: [] }, { l: [1] }));
  });

  it('prunes the actual object to the shape of the expected one', () => {
    assert.deepEqual(pruneToShape({ metadata: { name: 'x' }, spec: { replicas: 4, template: { spec: { containers: [{ name: 'a' }] } } } }, deployment), {
      metadata: { name: 'nginx' },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx' }] } } },
    });
    assert.deepEqual(pruneToShape({ l: [{ a: 1 }] }, { l: [{ a: 1, b: 2 }, { c: 3 }] }), { l: [{ a: 1 }, { c: 3 }] });
  });
});
