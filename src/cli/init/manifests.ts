/**
 * The objects `kubectl kudo init` installs, in KUDO's order: CRDs, Namespace, ServiceAccount,
 * RBAC, the admission webhook registration, its certificate (cert-manager or self-signed
 * Secret), the Service and the manager Deployment.
 */
import { kudoCRDs } from '../../api/crds.js';
import { CONTROL_PLANE_LABEL, CONTROL_PLANE_VALUE, MANAGER_APP_LABEL, MANAGER_APP_VALUE } from '../../api/labels.js';
import type { KubeObject } from '../../k8s/object.js';
import { managerRbac } from '../../manager/rbac.js';

export const DEFAULT_NAMESPACE = 'kudo-system';
export const DEFAULT_SERVICE_ACCOUNT = 'kudo-manager';
export const MANAGER_NAME = 'kudo-controller-manager';
export const SERVICE_NAME = 'kudo-controller-manager-service';
export const WEBHOOK_CONFIG_NAME = 'kudo-manager-instance-admission-webhook-config';
export const WEBHOOK_NAME = 'instance-admission.kudo.dev';
export const WEBHOOK_PATH = '/admit-kudo-dev-v1beta1-instance';
export const WEBHOOK_SECRET = 'kudo-webhook-server-secret';
export const CERTIFICATE_NAME = 'kudo-webhook-server-certificate';
export const ISSUER_NAME = 'selfsigned-issuer';

export interface InitOptions {
  namespace: string;
  serviceAccount: string;
  image: string;
  imagePullPolicy: string;
  /** Self-signed: the CA for the webhook's caBundle and the serving pair for the Secret. */
  certificates?: { caPem: string; certPem: string; keyPem: string };
  /** A manager outside the cluster: register this webhook URL (with caPem as the bundle). */
  webhookUrl?: string;
  webhookCaPem?: string;
  /** cert-manager API group/version when cert-manager issues the certificate. */
  certManagerApiVersion?: string;
}

const labels = { [MANAGER_APP_LABEL]: MANAGER_APP_VALUE, [CONTROL_PLANE_LABEL]: CONTROL_PLANE_VALUE };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function crdObjects(): KubeObject[] {
  return kudoCRDs();
}

export function managerObjects(o: InitOptions): KubeObject[] {
  const ns = o.namespace;
  const host = `${SERVICE_NAME}.${ns}.svc`;
  const objects: KubeObject[] = [];
  if (ns === DEFAULT_NAMESPACE)
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [MANAGER_APP_LABEL]: MANAGER_APP_VALUE } } });
  if (o.serviceAccount === DEFAULT_SERVICE_ACCOUNT) {
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: o.serviceAccount, namespace: ns, labels } });
    // Least privilege, as the manager defines it (KUDO bound cluster-admin).
    objects.push(...managerRbac(ns, o.serviceAccount));
  }
  const certManager = !o.certificates && !o.webhookUrl;
  const caBundle = o.webhookUrl ? (o.webhookCaPem ? b64(o.webhookCaPem) : undefined) : o.certificates ? b64(o.certificates.caPem) : undefined;
  const certManagerGroup = (o.certManagerApiVersion ?? 'cert-manager.io/v1').split('/')[0];
  objects.push({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: WEBHOOK_CONFIG_NAME,
      labels,
      ...(certManager ? { annotations: { [`${certManagerGroup}/inject-ca-from`]: `${ns}/${CERTIFICATE_NAME}` } } : {}),
    },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: {
          ...(o.webhookUrl ? { url: o.webhookUrl } : { service: { name: SERVICE_NAME, namespace: ns, path: WEBHOOK_PATH } }),
          ...(caBundle ? { caBundle } : {}),
        },
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        rules: [{ apiGroups: ['kudo.dev'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['instances'], scope: 'Namespaced' }],
        sideEffects: 'None',
      },
    ],
  });
  if (o.webhookUrl) return objects;
  if (certManager) {
    const apiVersion = o.certManagerApiVersion ?? 'cert-manager.io/v1';
    objects.push({ apiVersion, kind: 'Issuer', metadata: { name: ISSUER_NAME, namespace: ns }, spec: { selfSigned: {} } });
    objects.push({
      apiVersion,
      kind: 'Certificate',
      metadata: { name: CERTIFICATE_NAME, namespace: ns },
      spec: { commonName: host, dnsNames: [host], issuerRef: { kind: 'Issuer', name: ISSUER_NAME }, secretName: WEBHOOK_SECRET },
    });
  } else {
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: WEBHOOK_SECRET, namespace: ns },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(o.certificates!.certPem), 'tls.key': b64(o.certificates!.keyPem) },
    });
  }
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: SERVICE_NAME, namespace: ns, labels },
    spec: { ports: [{ name: 'kudo', port: 443, targetPort: 'webhook-server' }], selector: labels },
  });
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: MANAGER_NAME, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: o.serviceAccount,
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'manager',
              image: o.image,
              imagePullPolicy: o.imagePullPolicy,
              command: ['kubectl-kudo', 'manager'],
              args: ['--leader-elect', '--webhook-port', '443', '--webhook-cert-dir', '/tmp/cert', '--metrics-addr', ':8080', '--health-addr', ':8081'],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'SECRET_NAME', value: WEBHOOK_SECRET },
              ],
              ports: [
                { containerPort: 443, name: 'webhook-server', protocol: 'TCP' },
                { containerPort: 8080, name: 'metrics', protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: 8081 } },
              livenessProbe: { httpGet: { path: '/healthz', port: 8081 } },
              resources: { requests: { cpu: '100m', memory: '50Mi' } },
              volumeMounts: [{ mountPath: '/tmp/cert', name: 'cert', readOnly: true }],
            },
          ],
          volumes: [{ name: 'cert', secret: { defaultMode: 420, secretName: WEBHOOK_SECRET } }],
        },
      },
    },
  });
  return objects;
}
