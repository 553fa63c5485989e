/**
 * `npm run bench -- k8s-patch [--iterations N]`
 *
 * Operations per second of the pure object toolkit on a typical Deployment: strategic merge
 * patch apply, kubectl's three-way patch, JSON merge patch, JSON patch, server-side apply,
 * managedFields for an update, quantity canonicalisation and label selector matching.
 */
import { applyJsonPatch } from '../src/k8s/patch/json-patch.js';
import { applyMergePatch } from '../src/k8s/patch/merge-patch.js';
import { applyStrategicMergePatch, createThreeWayStrategicPatch } from '../src/k8s/patch/strategic.js';
import { serverSideApply, updateManagedFields } from '../src/k8s/ssa.js';
import { canonicalizeQuantities } from '../src/k8s/quantities-in-objects.js';
import { matchLabelSelector, parseLabelSelector } from '../src/k8s/selectors.js';
import type { KubeObject } from '../src/k8s/object.js';

const gvk = { apiVersion: 'apps/v1', kind: 'Deployment' };

function deployment(image: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' }, annotations: { note: 'x' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image,
              ports: [{ containerPort: 8080 }],
              env: Array.from({ length: 8 }, (_, i) => ({ name: `E${i}`, value: String(i) })),
              resources: { limits: { cpu: '500m', memory: '0.5Gi' } },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'proxy:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

function measure(name: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${name.padEnd(34)} ${Math.round(iterations / seconds)
      .toLocaleString('en-US')
      .padStart(10)} ops/s  ${((seconds / iterations) * 1e6).toFixed(1).padStart(8)} µs/op`,
  );
}

export async function main(args: string[]): Promise<number> {
  let iterations = 5000;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--iterations' && Number(args[i + 1]) > 0) iterations = Number(args[++i]);
    else {
      console.error(`unknown argument ${args[i]}; usage: npm run bench -- k8s-patch [--iterations N]`);
      return 2;
    }
  }
  const live = deployment('app:1', 2);
  const modified = deployment('app:2', 3);
  const smp = { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } };
  const applied = serverSideApply(undefined, live, { manager: 'kubectl', gvk, time: '2026-01-01T00:00:00Z' }).object;
  const selector = parseLabelSelector('app=web,tier in (front,back),!canary');

  measure('strategic merge patch (apply)', iterations, () => applyStrategicMergePatch(live, smp, gvk));
  measure('three-way strategic patch', iterations, () => createThreeWayStrategicPatch(live, modified, live, gvk));
  measure('JSON merge patch (apply)', iterations, () => applyMergePatch(live, { metadata: { labels: { z: '1' } } }));
  measure('JSON patch (apply)', iterations, () => applyJsonPatch(live, [{ op: 'replace', path: '/spec/replicas', value: 5 }]));
  measure('server-side apply (re-apply)', iterations, () => serverSideApply(applied, modified, { manager: 'kubectl', gvk }));
  measure('managedFields for an update', iterations, () => updateManagedFields(applied, modified, 'kubectl-edit'));
  measure('canonicalize quantities', iterations, () => canonicalizeQuantities(live, gvk));
  measure('label selector match', iterations * 10, () => matchLabelSelector(selector, { app: 'web', tier: 'front' }));
  return 0;
}
