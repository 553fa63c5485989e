import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { impersonate } from './impersonation.js';
import { TokenSigner } from './jwt.js';
import { forbiddenError } from './messages.js';
import { compactRules, covers, escalationMessage, RbacAuthorizer, ruleAllows, type PolicySource } from './rbac.js';
import { requestAttributes } from './request-info.js';
import { ANONYMOUS, type Attributes, type PolicyRule, type UserInfo } from './types.js';

const G = 'rbac.authorization.k8s.io';
const role = (name: string, rules: PolicyRule[], namespace?: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: namespace ? 'Role' : 'ClusterRole',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  rules,
});
const binding = (name: string, ref: [string, string], subjects: object[], namespace?: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: G, kind: ref[0], name: ref[1] },
  subjects,
});

function source(objects: KubeObject[]): PolicySource {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusterRoleBindings: () => of('ClusterRoleBinding'),
    roleBindings: (ns) => of('RoleBinding').filter((b) => b.metadata.namespace === ns),
    clusterRole: (n) => of('ClusterRole').find((r) => r.metadata.name === n),
    role: (ns, n) => of('Role').find((r) => r.metadata.name === n && r.metadata.namespace === ns),
  };
}

const jane: UserInfo = { username: 'jane', groups: ['system:authenticated'] };
const app: UserInfo = { username: 'system:serviceaccount:demo:app', groups: ['system:serviceaccounts', 'system:serviceaccounts:demo', 'system:authenticated'] };
const at = (user: UserInfo, method: string, path: string) => requestAttributes(user, method, new URL(path, 'https://x'));

test('request attributes: verbs, namespaces, names, subresources and non-resource paths as Kubernetes parses them', () => {
  const pick = (a: Attributes) => [a.resourceRequest, a.verb, a.apiGroup, a.resource, a.subresource, a.namespace, a.name].join('|');
  assert.equal(pick(at(jane, 'GET', '/api/v1/namespaces/demo/configmaps')), 'true|list||configmaps||demo|');
  assert.equal(pick(at(jane, 'GET', '/api/v1/namespaces/demo/configmaps?watch=true&fieldSelector=metadata.name%3Dx')), 'true|watch||configmaps||demo|x');
  assert.equal(pick(at(jane, 'PATCH', '/apis/apps/v1/namespaces/demo/deployments/web/scale')), 'true|patch|apps|deployments|scale|demo|web');
  assert.equal(pick(at(jane, 'GET', '/api/v1/namespaces/demo')), 'true|get||namespaces||demo|demo');
  assert.equal(pick(at(jane, 'PUT', '/api/v1/namespaces/demo/finalize')), 'true|update||namespaces|finalize|demo|demo');
  assert.equal(pick(at(jane, 'DELETE', '/api/v1/namespaces/demo/pods')), 'true|deletecollection||pods||demo|');
  assert.equal(pick(at(jane, 'GET', '/api/v1/watch/namespaces/demo/pods')), 'true|watch||pods||demo|');
  assert.equal(pick(at(jane, 'GET', '/apis/apps/v1')), 'false|get|||||');
  assert.equal(at(jane, 'POST', '/healthz').verb, 'post');
});

test('rules: verbs, groups, resources with */subresource, resourceNames and URL prefixes', () => {
  const a = at(jane, 'GET', '/apis/apps/v1/namespaces/demo/deployments/web/scale');
  assert.equal(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }), true);
  assert.equal(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }), false, 'the parent resource does not grant the subresource');
  assert.equal(ruleAllows(a, { verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }), true);
  assert.equal(ruleAllows(a, { verbs: ['get'], apiGroups: [''], resources: ['*'] }), false, 'wrong group');
  assert.equal(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['*'], resourceNames: ['other'] }), false);
  assert.equal(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['*'], resourceNames: ['web'] }), true);
  const list = at(jane, 'GET', '/apis/apps/v1/namespaces/demo/deployments');
  assert.equal(ruleAllows(list, { verbs: ['list'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] }), false, 'lists have no name');
  const health = at(jane, 'GET', '/healthz/etcd');
  assert.equal(ruleAllows(health, { verbs: ['get'], nonResourceURLs: ['/healthz'] }), false);
  assert.equal(ruleAllows(health, { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }), true);
  assert.equal(ruleAllows(health, { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }), false, 'resource rules never grant paths');
});

test('the authorizer: bindings to users, groups and service accounts; allowed reasons; missing roles grant nothing and are named', () => {
  const s = source([
    role('view-cm', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] }]),
    role('cm-writer', [{ verbs: ['update'], apiGroups: [''], resources: ['configmaps'] }], 'demo'),
    binding('jane-view', ['ClusterRole', 'view-cm'], [{ kind: 'User', apiGroup: G, name: 'jane' }]),
    binding('sa-writer', ['Role', 'cm-writer'], [{ kind: 'ServiceAccount', name: 'app' }], 'demo'),
    binding('all-sa', ['ClusterRole', 'missing'], [{ kind: 'Group', apiGroup: G, name: 'system:serviceaccounts' }]),
    binding('stale', ['Role', 'gone'], [{ kind: 'User', apiGroup: G, name: 'jane' }], 'demo'),
  ]);
  const authz = new RbacAuthorizer(s);
  assert.deepEqual(authz.authorize(at(jane, 'GET', '/api/v1/namespaces/other/configmaps')), {
    allowed: true,
    reason: 'RBAC: allowed by ClusterRoleBinding "jane-view" of ClusterRole "view-cm" to User "jane"',
  });
  assert.deepEqual(authz.authorize(at(app, 'PUT', '/api/v1/namespaces/demo/configmaps/c')), {
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "sa-writer/demo" of Role "cm-writer" to ServiceAccount "app/demo"',
  });
  const denied = authz.authorize(at(app, 'PUT', '/api/v1/namespaces/other/configmaps/c'));
  assert.deepEqual(denied, { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found' });
  const deniedJane = authz.authorize(at(jane, 'DELETE', '/api/v1/namespaces/demo/configmaps/c'));
  assert.equal(deniedJane.reason, 'RBAC: role.rbac.authorization.k8s.io "gone" not found');
  assert.equal(
    forbiddenError(at(jane, 'DELETE', '/api/v1/namespaces/demo/configmaps/c'), deniedJane.reason).message,
    'configmaps "c" is forbidden: User "jane" cannot delete resource "configmaps" in API group "" in the namespace "demo": RBAC: role.rbac.authorization.k8s.io "gone" not found',
  );
  assert.equal(authz.authorize(at(ANONYMOUS, 'GET', '/api/v1/namespaces/demo/configmaps')).allowed, false);
  assert.equal(authz.authorize(at({ username: 'root', groups: ['system:masters'] }, 'DELETE', '/api/v1/nodes/n')).allowed, true);
  assert.equal(forbiddenError(at(ANONYMOUS, 'GET', '/api'), '').message, 'forbidden: User "system:anonymous" cannot get path "/api"');
});

test('escalation: covers breaks rules down and reports what is missing in Kubernetes wording', () => {
  const held: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] },
    { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] },
    { verbs: ['get'], nonResourceURLs: ['/logs/*'] },
  ];
  assert.equal(covers(held, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'] }]).covered, true);
  assert.equal(covers(held, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]).covered, true);
  assert.equal(covers(held, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }]).covered, true);
  assert.equal(covers(held, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]).covered, false, 'a named grant does not cover all names');
  assert.equal(covers(held, [{ verbs: ['get'], nonResourceURLs: ['/logs/x'] }]).covered, true);
  const { missing } = covers(held, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['configmaps', 'secrets'] }]);
  assert.deepEqual(compactRules(missing), [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['delete'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'delete'] },
  ]);
  assert.equal(
    escalationMessage(app, missing, []),
    'user "system:serviceaccount:demo:app" (groups=["system:serviceaccounts" "system:serviceaccounts:demo" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
  );
});

test('impersonation: each requested identity needs the impersonate verb; groups and system:authenticated as Kubernetes adds them', () => {
  const s = source([
    role('imp', [
      { verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['bob'] },
      { verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] },
    ]),
    binding('jane-imp', ['ClusterRole', 'imp'], [{ kind: 'User', apiGroup: G, name: 'jane' }]),
  ]);
  const authz = new RbacAuthorizer(s);
  const h = (headers: Record<string, string[]>) => {
    const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.join(', ')]));
    return impersonate(jane, flat, headers, authz);
  };
  assert.deepEqual(h({ 'impersonate-user': ['bob'] }), { username: 'bob', groups: ['system:authenticated'] });
  assert.deepEqual(h({ 'impersonate-user': ['system:serviceaccount:ns1:robot'] }), {
    username: 'system:serviceaccount:ns1:robot',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
  });
  assert.throws(
    () => h({ 'impersonate-user': ['alice'] }),
    (e: Error) => e.message === 'users "alice" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope',
  );
  assert.throws(
    () => h({ 'impersonate-user': ['bob'], 'impersonate-group': ['admins'] }),
    (e: Error) => e.message === 'groups "admins" is forbidden: User "jane" cannot impersonate resource "groups" in API group "" at the cluster scope',
  );
  assert.throws(() => h({ 'impersonate-group': ['admins'] }), /without impersonating a user/);
});

test('service-account tokens: signed, verified, and forgeries or tampering rejected', () => {
  const signer = TokenSigner.load(undefined);
  const token = signer.sign({ sub: 'x', n: 1 });
  assert.deepEqual(signer.verify(token), { sub: 'x', n: 1 });
  const [h, , sig] = token.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'y', n: 1 })).toString('base64url')}.${sig}`;
  assert.equal(signer.verify(tampered), undefined);
  assert.equal(TokenSigner.load(undefined).verify(token), undefined, 'another key does not verify it');
  for (const bad of ['', 'a.b.c', 'not-a-token', `${h}..`]) assert.equal(signer.verify(bad), undefined);
  // Verified once, then remembered (read-only) with the same answers.
  assert.equal(signer.verify(token), signer.verify(token));
  assert.ok(Object.isFrozen(signer.verify(token)));
  assert.equal(signer.verify(tampered), undefined);
  assert.equal(TokenSigner.load(undefined).verify(token), undefined);
});

test('the authorizer remembers grants per user, groups and namespace until invalidated', () => {
  const objects = [role('view-cm', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])];
  let reads = 0;
  const inner = source(objects);
  const counted: PolicySource = { ...inner, clusterRoleBindings: () => (reads++, inner.clusterRoleBindings()) };
  const authz = new RbacAuthorizer(counted);
  const get = (user: UserInfo, ns: string) => authz.authorize(at(user, 'GET', `/api/v1/namespaces/${ns}/configmaps/x`)).allowed;
  assert.equal(get(jane, 'demo'), false);
  objects.push(binding('jane-view', ['ClusterRole', 'view-cm'], [{ kind: 'User', apiGroup: G, name: 'jane' }]));
  assert.equal(get(jane, 'demo'), false, 'remembered until invalidate()');
  assert.equal(get(jane, 'other'), true, 'another namespace is worked out afresh');
  authz.invalidate();
  assert.equal(get(jane, 'demo'), true);
  const before = reads;
  for (let i = 0; i < 5; i++) get(jane, 'demo');
  assert.equal(reads, before, 'no policy reads while nothing changed');
  // The same name with other groups is another identity.
  objects.push(binding('ops', ['ClusterRole', 'view-cm'], [{ kind: 'Group', apiGroup: G, name: 'ops' }]));
  authz.invalidate();
  assert.equal(get({ username: 'bob', groups: [] }, 'demo'), false);
  assert.equal(get({ username: 'bob', groups: ['ops'] }, 'demo'), true);
  assert.deepEqual(authz.rulesFor({ username: 'bob', groups: ['ops'] }, 'demo').rules, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }]);
});
