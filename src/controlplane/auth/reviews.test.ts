import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { ApiError } from '../apiserver/errors.js';
import type { Authorizer } from './rbac.js';
import { Reviews } from './reviews.js';
import type { PolicyRule, UserInfo } from './types.js';

const jane: UserInfo = { username: 'jane', groups: ['system:authenticated'] };
const rules: PolicyRule[] = [
  { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] },
  { verbs: ['get'], nonResourceURLs: ['/healthz'] },
];
// Allows only "get"; rules are the same in every namespace.
const authorizer: Authorizer = {
  authorize: (a) => ({ allowed: a.verb === 'get', reason: a.verb === 'get' ? 'granted' : '' }),
  rulesFor: () => ({ rules, errors: [] }),
};
const reviews = new Reviews(authorizer, undefined);
const A = 'authorization.k8s.io';

test('SelfSubjectRulesReview answers a fresh object: status only, spec.namespace and metadata not echoed', () => {
  const body = { apiVersion: `${A}/v1`, kind: 'SelfSubjectRulesReview', metadata: { name: 'x' }, spec: { namespace: 'default' } } as KubeObject;
  const answer = reviews.answer(A, 'SelfSubjectRulesReview', undefined, body, jane)!;
  assert.deepEqual(answer.metadata, { creationTimestamp: null });
  assert.deepEqual(answer.spec, {});
  assert.deepEqual(answer.status, {
    resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    incomplete: false,
  });
});

test('SelfSubjectRulesReview without a namespace is a bad request', () => {
  const body = { apiVersion: `${A}/v1`, kind: 'SelfSubjectRulesReview', metadata: {}, spec: {} } as KubeObject;
  assert.throws(
    () => reviews.answer(A, 'SelfSubjectRulesReview', undefined, body, jane),
    (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'no namespace on request',
  );
});

test('access reviews echo the submitted metadata and spec beside the decision', () => {
  const spec = { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'configmaps' } };
  const body = { apiVersion: `${A}/v1`, kind: 'SelfSubjectAccessReview', metadata: { name: 'mine', labels: { a: 'b' }, namespace: 'ns' }, spec } as KubeObject;
  const answer = reviews.answer(A, 'SelfSubjectAccessReview', undefined, body, jane)!;
  assert.deepEqual(answer.metadata, { creationTimestamp: null, name: 'mine', labels: { a: 'b' } });
  assert.deepEqual(answer.spec, spec);
  assert.deepEqual(answer.status, { allowed: true, reason: 'granted' });
  const sar = { apiVersion: `${A}/v1`, kind: 'SubjectAccessReview', metadata: {}, spec: { ...spec, user: 'bob' } } as KubeObject;
  const denied = reviews.answer(A, 'SubjectAccessReview', undefined, { ...sar, spec: { resourceAttributes: { verb: 'list' }, user: 'bob' } }, jane)!;
  assert.deepEqual(denied.status, { allowed: false });
  assert.deepEqual(denied.spec, { resourceAttributes: { verb: 'list' }, user: 'bob' });
});
