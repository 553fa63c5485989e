import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { indentJson, wantsPrettyJson } from './pretty.js';

const request = (agent?: string) => ({ headers: agent ? { 'user-agent': agent } : {} }) as IncomingMessage;

test('indentJson indents like Go and keeps order, numbers and strings', () => {
  const compact = '{"kind":"ConfigMap","data":{"2":"a, b: {c}","1":"x\\"y"},"items":[],"meta":{},"n":[1,2.50]}';
  assert.equal(
    indentJson(compact),
    [
      '{',
      '  "kind": "ConfigMap",',
      '  "data": {',
      '    "2": "a, b: {c}",',
      '    "1": "x\\"y"',
      '  },',
      '  "items": [],',
      '  "meta": {},',
      '  "n": [',
      '    1,',
      '    2.50',
      '  ]',
      '}',
    ].join('\n'),
  );
  assert.deepEqual(JSON.parse(indentJson(compact)), JSON.parse(compact));
});

test('pretty for ?pretty=<Go true> or, without it, for curl, Wget and browsers', () => {
  const q = (s = '') => new URLSearchParams(s);
  assert.equal(wantsPrettyJson(request('curl/8.5.0'), q()), true);
  assert.equal(wantsPrettyJson(request('Wget/1.21'), q()), true);
  assert.equal(wantsPrettyJson(request('Mozilla/5.0 (X11)'), q()), true);
  assert.equal(wantsPrettyJson(request('kubectl/v1.33.1 (linux/amd64)'), q()), false);
  assert.equal(wantsPrettyJson(request(), q()), false);
  assert.equal(wantsPrettyJson(request('kubectl/v1.33.1'), q('pretty=true')), true);
  assert.equal(wantsPrettyJson(request('kubectl/v1.33.1'), q('pretty=1')), true);
  assert.equal(wantsPrettyJson(request('curl/8.5.0'), q('pretty=false')), false);
  assert.equal(wantsPrettyJson(request('curl/8.5.0'), q('pretty=yes')), false, 'Go booleans only');
});
