/**
 * Real request bodies recorded by scripts/capture-proto-fixtures.ts: for each kubectl generator,
 * the protobuf body kubectl 1.33 sent must decode to exactly the JSON body kubectl 1.31 sent.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeProtobufObject, readProtobufEnvelope } from './decode.js';
import { encodeProtobufObject } from './encode.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const commands = JSON.parse(readFileSync(join(dir, 'commands.json'), 'utf8')) as Record<string, string[]>;

test('every recorded case has a protobuf body and a JSON twin', () => {
  const files = readdirSync(dir);
  for (const name of Object.keys(commands)) {
    assert.ok(files.includes(`${name}.pb`), `${name}.pb`);
    assert.ok(files.includes(`${name}.json`), `${name}.json`);
  }
  // The generators the issue lists must all be covered.
  const covered = Object.values(commands).map((argv) => argv.slice(1, 4).join(' '));
  for (const generator of [
    'create namespace',
    'create configmap',
    'create secret generic',
    'create secret tls',
    'create secret docker-registry',
    'create serviceaccount',
    'create service clusterip',
    'create service nodeport',
    'create service loadbalancer',
    'create service externalname',
    'create deployment',
    'create job',
    'create cronjob',
    'create role',
    'create clusterrole',
    'create rolebinding',
    'create clusterrolebinding',
    'create quota',
    'create pdb',
    'create priorityclass',
    'create ingress',
    'create token',
    'autoscale deployment',
    'auth can-i',
    'auth whoami',
  ]) {
    assert.ok(
      covered.some((c) => c.startsWith(generator)),
      `no recorded body for kubectl ${generator}`,
    );
  }
});

for (const [name, argv] of Object.entries(commands)) {
  test(`${argv.join(' ')}: kubectl 1.33 protobuf body decodes to the kubectl 1.31 JSON body`, () => {
    const body = readFileSync(join(dir, `${name}.pb`));
    const expected = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
    const envelope = readProtobufEnvelope(body);
    assert.equal(envelope.kind, expected.kind);
    assert.equal(envelope.apiVersion, expected.apiVersion);
    const decoded = decodeProtobufObject(body);
    assert.deepEqual(decoded, expected);
    // Our own encoding of the object decodes back to the same object.
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(decoded)), expected);
  });
}
