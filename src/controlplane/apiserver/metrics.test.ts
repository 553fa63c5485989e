import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsVerb, RequestMetrics } from './metrics.js';

const build = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.1',
  gitCommit: 'c',
  gitTreeState: 'clean',
  buildDate: 'd',
  goVersion: 'go',
  compiler: 'gc',
  platform: 'linux/amd64',
};
const base = { group: '', version: 'v1', resource: 'configmaps', subresource: '', scope: 'namespace', dryRun: false, code: 200 };

test('metrics verbs are the ones kube-apiserver reports', () => {
  assert.equal(metricsVerb('create', 'application/json'), 'POST');
  assert.equal(metricsVerb('update', 'application/json'), 'PUT');
  assert.equal(metricsVerb('patch', 'application/apply-patch+yaml'), 'APPLY');
  assert.equal(metricsVerb('patch', 'application/merge-patch+json'), 'PATCH');
  assert.equal(metricsVerb('list', ''), 'LIST');
  assert.equal(metricsVerb('watch', ''), 'WATCH');
});

test('requests are counted per label set; stored objects and build info are exposed', () => {
  const m = new RequestMetrics();
  m.record({ ...base, verb: 'LIST' });
  m.record({ ...base, verb: 'LIST' });
  m.record({ ...base, verb: 'POST', code: 201, dryRun: true });
  const text = m.render(build, new Map([['deployments.apps', 3]]));
  assert.match(
    text,
    /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"\} 2$/m,
  );
  assert.match(text, /^apiserver_request_total\{code="201",.*dry_run="All",.*verb="POST".*\} 1$/m);
  assert.match(text, /^# TYPE apiserver_request_total counter$/m);
  assert.match(text, /^apiserver_storage_objects\{resource="deployments\.apps"\} 3$/m);
  assert.match(text, /^kubernetes_build_info\{.*git_version="v1\.33\.1".*\} 1$/m);
  assert.match(text, /^process_start_time_seconds \d+(\.\d+)?$/m);
});
