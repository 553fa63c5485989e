import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReport, reportToJson, reportToXml } from './report.js';
import type { SuiteResult } from './results.js';

const t0 = new Date('2026-01-02T03:04:05.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const result: SuiteResult = {
  name: 'kudo-test',
  startedAt: t0,
  durationMs: 12_345,
  cases: [
    { name: 'zeta', testDir: './e2e/', namespace: 'n1', startedAt: at(0), durationMs: 2_000, steps: [], assertions: 2 },
    {
      name: 'alpha',
      testDir: './e2e/',
      namespace: 'n2',
      startedAt: at(500),
      durationMs: 3_000,
      steps: [],
      assertions: 3,
      failure: { step: '1-upgrade', errors: ['resource <Deployment> "x": .spec & more', 'second'] },
    },
    { name: 'other', testDir: './integration', namespace: 'n3', startedAt: at(1000), durationMs: 1_500, steps: [], assertions: 1 },
  ],
};

describe('reports', () => {
  it('writes JUnit XML with one testsuite per test dir and sorted test cases', () => {
    assert.equal(
      reportToXml(buildReport(result)),
      `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kudo-test" tests="3" failures="1" time="12.345">
  <testsuite tests="2" failures="1" timestamp="2026-01-02T03:04:05Z" time="3.500" name="./e2e/">
    <testcase classname="e2e" name="alpha" timestamp="2026-01-02T03:04:05Z" time="3.000" assertions="3">
      <failure message="failed in step 1-upgrade">resource &lt;Deployment&gt; &quot;x&quot;: .spec &amp; more
second</failure>
    </testcase>
    <testcase classname="e2e" name="zeta" timestamp="2026-01-02T03:04:05Z" time="2.000" assertions="2"></testcase>
  </testsuite>
  <testsuite tests="1" failures="0" timestamp="2026-01-02T03:04:06Z" time="1.500" name="./integration">
    <testcase classname="integration" name="other" timestamp="2026-01-02T03:04:06Z" time="1.500" assertions="1"></testcase>
  </testsuite>
</testsuites>
`,
    );
  });

  it('writes the same structure as JSON', () => {
    const json = JSON.parse(reportToJson(buildReport(result)));
    assert.equal(json.tests, 3);
    assert.equal(json.failures, 1);
    assert.deepEqual(json.testsuite[0].testcase[0].failure, { message: 'failed in step 1-upgrade', text: 'resource <Deployment> "x": .spec & more\nsecond' });
    assert.equal(json.testsuite[1].testcase[0].failure, undefined);
  });

  it('records a setup failure at the top', () => {
    const xml = reportToXml(buildReport({ name: 's', startedAt: t0, durationMs: 10, cases: [], setupFailure: 'CRD x is not served' }));
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="s" tests="0" failures="0" time="0.010">\n  <failure message="CRD x is not served"></failure>\n</testsuites>\n',
    );
  });
});
