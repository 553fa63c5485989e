/**
 * `npm run bench -- protobuf [--seconds N]`: decode and encode speed of Kubernetes protobuf bodies,
 * on the kubectl bodies recorded in src/k8s/protobuf/testdata and on a large Pod list.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function measure(label: string, seconds: number, bytesPerRun: number, fn: () => void): void {
  let runs = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    fn();
    runs++;
  }
  const elapsed = (performance.now() - start) / 1000;
  const perRun = (elapsed / runs) * 1e6;
  console.log(`${label.padEnd(44)} ${perRun.toFixed(1).padStart(9)} µs/run  ${((bytesPerRun * runs) / elapsed / 1e6).toFixed(1).padStart(6)} MB/s`);
}

export async function main(args: string[]): Promise<number> {
  const i = args.indexOf('--seconds');
  const seconds = i >= 0 ? Number(args[i + 1]) : 1;
  const loadStart = performance.now();
  const { decodeProtobufObject } = await import('../src/k8s/protobuf/decode.js');
  const { encodeProtobufObject } = await import('../src/k8s/protobuf/encode.js');
  console.log(`descriptor load and module import: ${(performance.now() - loadStart).toFixed(1)} ms`);

  const dir = join(root, 'src', 'k8s', 'protobuf', 'testdata');
  const bodies = readdirSync(dir)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
  const total = bodies.reduce((n, b) => n + b.length, 0);
  measure(`decode ${bodies.length} kubectl bodies`, seconds, total, () => bodies.forEach((b) => decodeProtobufObject(b)));
  const objects = bodies.map((b) => decodeProtobufObject(b));
  measure(`encode ${bodies.length} kubectl bodies`, seconds, total, () => objects.forEach((o) => encodeProtobufObject(o)));

  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  const template = (deployment.spec as { template: Record<string, unknown> }).template;
  const list = {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '1' },
    items: Array.from({ length: 500 }, (_, n) => ({
      metadata: { ...(template.metadata as object), name: `pod-${n}`, namespace: 'default', uid: `uid-${n}`, creationTimestamp: '2025-01-01T00:00:00Z' },
      spec: template.spec,
      status: { phase: 'Running', podIP: `10.0.${n >> 8}.${n & 255}`, startTime: '2025-01-01T00:00:01Z' },
    })),
  };
  const listBody = encodeProtobufObject(list);
  measure(`decode PodList of 500 (${(listBody.length / 1024).toFixed(0)} KiB)`, seconds, listBody.length, () => decodeProtobufObject(listBody));
  measure(`encode PodList of 500`, seconds, listBody.length, () => encodeProtobufObject(list));
  return 0;
}
