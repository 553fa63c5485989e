import assert from 'node:assert/strict';
import { test } from 'node:test';
import { managerRbac } from '../../manager/rbac.js';
import { startControlPlane } from '../index.js';
import { requestAttributes } from './request-info.js';
import { serviceAccountUser } from './types.js';

test("the manager's least-privilege role: aggregated from its base role, enough for KUDO's kinds, nothing for other groups or for cluster-admin's binding", async () => {
  const cp = await startControlPlane();
  try {
    for (const o of managerRbac('kudo-system')) {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const t = cp.core.registry.byApiVersionKind(o.apiVersion, o.kind) ?? cp.core.registry.lookup(group, version, `${o.kind.toLowerCase()}s`)!;
      const ns = t.namespaced ? (o.metadata.namespace ?? 'kudo-system') : undefined;
      if (ns && !cp.core.tryGet(cp.core.registry.lookup('', 'v1', 'namespaces')!, undefined, ns))
        cp.core.create(cp.core.registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      cp.core.create(t, ns, o);
    }
    await new Promise((r) => setTimeout(r, 50));
    const manager = serviceAccountUser('kudo-system', 'kudo-manager');
    const can = (method: string, path: string) => cp.access.authorizer.authorize(requestAttributes(manager, method, new URL(path, 'https://x'))).allowed;
    assert.equal(can('GET', '/apis/kudo.dev/v1beta1/namespaces/any/instances'), true);
    assert.equal(can('PATCH', '/apis/kudo.dev/v1beta1/namespaces/any/instances/i/status'), true);
    assert.equal(can('DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin'), false);
    assert.equal(can('GET', '/apis/some.other.group/v1/things'), false);
  } finally {
    await new Promise((r) => setTimeout(r, 50));
    await cp.stop();
  }
});
