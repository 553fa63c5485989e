/**
 * The manager under its own service account (RBAC enforced by the embedded control plane),
 * bound only to the kudo-manager ClusterRole of managerRbac(): an operator creating a kind
 * outside the base role fails its plan with the forbidden message and the label to add;
 * a ClusterRole with that label, aggregated into kudo-manager, lets a retry succeed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kudoCRDs } from '../../src/api/crds.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { fromKubeconfigText } from '../../src/cluster/http-cluster.js';
import { startControlPlane, type ControlPlane } from '../../src/controlplane/index.js';
import { renderKubeconfig } from '../../src/controlplane/kubeconfig.js';
import { PLAN_CONTROL } from '../../src/engine/instance.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { jsonLogger } from '../../src/manager/log.js';
import { startManager, type RunningManager } from '../../src/manager/manager.js';
import { AGGREGATE_LABEL, managerRbac } from '../../src/manager/rbac.js';
import { WEBHOOK_PATH } from '../../src/manager/webhook.js';
import { instance, operator, operatorVersion, serialPlan, waitForPlan, waitUntil, webhookCertificate } from './env.js';

const NS = 'kudo-system';
const SA = 'kudo-manager';

const WIDGET_CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: {{ .Name }}-widget
spec:
  size: "{{ .Params.SIZE }}"
`;

/** A kubeconfig for the service account, with a token from a TokenRequest made by the admin. */
async function serviceAccountKubeconfig(admin: Cluster, cp: ControlPlane, namespace: string, name: string): Promise<string> {
  const r = await admin.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const token = (r.body as { status?: { token?: string } }).status?.token;
  assert.ok(r.status === 201 && token, `TokenRequest failed: ${r.status} ${JSON.stringify(r.body)}`);
  return renderKubeconfig({ url: cp.url, token, caPem: cp.caPem });
}

describe('manager least-privilege: under its service account with RBAC enforced', { timeout: 60_000 }, () => {
  let cp: ControlPlane;
  let admin: Cluster;
  let manager: RunningManager | undefined;

  before(async () => {
    cp = await startControlPlane({ port: 0 });
    admin = await fromKubeconfigText(cp.kubeconfig);
    for (const crd of [...kudoCRDs(), WIDGET_CRD]) await admin.create(crd);
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } });
    for (const o of managerRbac(NS, SA)) await admin.create(o);
    await waitUntil(
      async () => {
        admin.invalidateDiscovery();
        const served = await Promise.all(
          ['kudo.dev/v1beta1/Instance', 'example.com/v1/Widget'].map((k) =>
            admin.resourceFor(k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)).then(
              () => true,
              () => false,
            ),
          ),
        );
        return served.every(Boolean);
      },
      10_000,
      'the CRDs to be served',
    );
    const asManager = await fromKubeconfigText(await serviceAccountKubeconfig(admin, cp, NS, SA));
    const tls = webhookCertificate();
    manager = await startManager({
      cluster: asManager,
      log: jsonLogger(() => {}, 'error'),
      webhook: { cert: tls.cert, key: tls.key, port: 0, host: '127.0.0.1' },
      metricsAddr: '0',
      healthAddr: '0',
      leaderElection: { namespace: NS, renewMs: 1000, retryMs: 200 },
      controller: { maxWaitMs: 500, backoff: { baseMs: 100, maxMs: 1000 } },
    });
    assert.equal(await manager.leading, true, 'the manager could not take its Lease under its own role');
    await admin.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'kudo-manager-instance-admission-webhook-config' },
      webhooks: [
        {
          name: 'instance-admission.kudo.dev',
          admissionReviewVersions: ['v1'],
          clientConfig: { url: `https://127.0.0.1:${manager.webhookPort}${WEBHOOK_PATH}`, caBundle: Buffer.from(tls.caPem).toString('base64') },
          failurePolicy: 'Fail',
          sideEffects: 'None',
          rules: [{ apiGroups: ['kudo.dev'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['instances'], scope: 'Namespaced' }],
        },
      ],
    });
  });

  after(async () => {
    await manager?.stop();
    await cp?.stop();
  });

  it('deploys an operator whose kinds the base role covers', async () => {
    await admin.create(operator('cm-op'));
    await admin.create(
      operatorVersion({
        name: 'cm-op-1.0',
        operator: 'cm-op',
        templates: { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}-cm\ndata:\n  a: b\n' },
        tasks: [{ name: 'app', kind: 'Apply', spec: { resources: ['cm.yaml'] } }],
        plans: { deploy: serialPlan({ app: ['app'] }) },
      }),
    );
    await admin.create(instance('cm', 'cm-op-1.0'));
    const done = await waitForPlan(admin, 'cm', 'deploy', ['COMPLETE', 'FATAL_ERROR']);
    assert.equal(done.status?.planStatus?.deploy.status, 'COMPLETE', JSON.stringify(done.status));
  });

  it('fails a plan needing a permission the manager lacks with the forbidden message and the label, and a retry after aggregating a ClusterRole succeeds', async () => {
    await admin.create(operator('widget-op'));
    await admin.create(
      operatorVersion({
        name: 'widget-op-1.0',
        operator: 'widget-op',
        templates: { 'widget.yaml': WIDGET },
        tasks: [{ name: 'widget', kind: 'Apply', spec: { resources: ['widget.yaml'] } }],
        parameters: [{ name: 'SIZE', default: 'large' }],
        plans: { deploy: serialPlan({ widget: ['widget'] }) },
      }),
    );
    await admin.create(instance('w', 'widget-op-1.0'));
    const failed = await waitForPlan(admin, 'w', 'deploy', ['COMPLETE', 'FATAL_ERROR']);
    const plan = failed.status?.planStatus?.deploy;
    assert.equal(plan?.status, 'FATAL_ERROR', JSON.stringify(failed.status));
    const message = plan?.message ?? '';
    assert.match(
      message,
      /widgets\.example\.com "w-widget" is forbidden: User "system:serviceaccount:kudo-system:kudo-manager" cannot get resource "widgets" in API group "example\.com" in the namespace "default"/,
    );
    assert.ok(message.includes(`${AGGREGATE_LABEL}: "true"`), message);
    assert.equal(await admin.get({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'default', name: 'w-widget' }), undefined);

    await admin.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'kudo-manager-widgets', labels: { [AGGREGATE_LABEL]: 'true' } },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
    });
    // The aggregation controller copies the rule into kudo-manager.
    await waitUntil(
      async () => {
        const role = await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'kudo-manager' });
        return JSON.stringify(role?.rules ?? []).includes('example.com');
      },
      10_000,
      'kudo-manager to aggregate the new ClusterRole',
    );
    await admin.patch({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default', name: 'w' }, 'merge', {
      metadata: { annotations: { [PLAN_CONTROL.retry]: 'deploy' } },
    });
    const retried = await waitForPlan(admin, 'w', 'deploy', ['COMPLETE']);
    assert.notEqual(retried.status?.planStatus?.deploy.uid, plan?.uid, 'the retry ran under a new uid');
    const widget = await admin.get({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'default', name: 'w-widget' });
    assert.equal((widget?.spec as { size?: string } | undefined)?.size, 'large');
    assert.equal(widget?.metadata.labels?.['kudo.dev/instance'], 'w');
  });
});
