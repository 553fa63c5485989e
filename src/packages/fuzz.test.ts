/**
 * Property test: mutated packages (YAML text and tarball bytes) fed to the loader,
 * the verifier and the renderer give results or clean errors, never a crash.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFolderEntries } from './io/files.js';
import { readTgz, writeTgz } from './io/tar.js';
import { parsePackage } from './model.js';
import { renderPlan } from './plan-render.js';
import { TaskRenderError } from './render.js';
import { verifyPackage } from './verify.js';
import { PackageError } from './yaml.js';

const zk = readFolderEntries(join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'zk'));

/** A small seeded PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = [
  ':',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '&a ',
  '*a',
  '!!binary ',
  '\t',
  '"',
  "'",
  '---\n',
  '{{',
  '}}',
  '{{ .Params.',
  ' |\n',
  'null',
  '~',
  '0x',
  '1e9',
  'yes',
  '\n  ',
  '#',
  '%',
  '@',
  '\u0000',
  '\uFEFF',
  'kind: Namespace\n',
  'resources: x\n',
];

function mutateText(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(r() * (s.length + 1));
    const op = Math.floor(r() * 4);
    if (op === 0) s = s.slice(0, pos) + SNIPPETS[Math.floor(r() * SNIPPETS.length)] + s.slice(pos);
    else if (op === 1) s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(r() * 20));
    else if (op === 2) {
      const lines = s.split('\n');
      const l = Math.floor(r() * lines.length);
      lines.splice(l, 0, lines[Math.floor(r() * lines.length)]);
      s = lines.join('\n');
    } else s = s.slice(0, pos) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(pos + 1);
  }
  return s;
}

const clean = (e: unknown): boolean => e instanceof PackageError || e instanceof TaskRenderError;

function exercise(files: Map<string, string | Uint8Array>): void {
  let pkg;
  try {
    pkg = parsePackage(files, 'fuzz');
  } catch (e) {
    assert.ok(clean(e), `loader crashed: ${(e as Error).stack}`);
    return;
  }
  const result = verifyPackage(pkg);
  assert.ok(Array.isArray(result.errors) && Array.isArray(result.warnings));
  try {
    renderPlan(pkg);
  } catch (e) {
    assert.ok(clean(e), `render crashed: ${(e as Error).stack}`);
  }
}

test('mutated package YAML gives clean errors', () => {
  const r = rng(1234);
  const texts = zk.map((e) => [e.path, Buffer.from(e.data).toString('utf8')] as const);
  for (let i = 0; i < 150; i++) {
    const files = new Map<string, string | Uint8Array>(texts);
    const [path, text] = texts[Math.floor(r() * texts.length)];
    files.set(path, mutateText(text, r));
    exercise(files);
  }
});

test('mutated tarballs give clean errors', () => {
  const r = rng(99);
  const tar = gunzipSync(writeTgz(zk));
  for (let i = 0; i < 150; i++) {
    const bytes = Buffer.from(tar);
    const flips = 1 + Math.floor(r() * 8);
    for (let f = 0; f < flips; f++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    const cut = r() < 0.2 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : bytes;
    const tgz = r() < 0.1 ? cut : gzipSync(cut);
    let entries;
    try {
      entries = readTgz(tgz, 'fuzz.tgz');
    } catch (e) {
      assert.ok(e instanceof PackageError, `tar reader crashed: ${(e as Error).stack}`);
      continue;
    }
    exercise(new Map(entries.map((e) => [e.path, e.data])));
  }
});
