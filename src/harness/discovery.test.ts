import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { classifyStepFile, discoverTestCases, expandEnv, globMatches, stepIndexOf } from './discovery.js';
import { loadSuiteFile } from './suite-config.js';
import { HarnessError } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const kudoSuites = join(here, '..', '..', '..', 'shared', 'testdata', 'kudo-suites');

describe('step file names', () => {
  it('parses the index as a base-10 number', () => {
    assert.equal(stepIndexOf('00-install.yaml'), 0);
    assert.equal(stepIndexOf('0-install.yaml'), 0);
    assert.equal(stepIndexOf('000-install.yaml'), 0);
    assert.equal(stepIndexOf('09-assert.yaml'), 9);
    assert.equal(stepIndexOf('12-update_param.yaml'), 12);
    assert.equal(stepIndexOf('00-install-cert-manager-0-16-0.yaml'), 0);
    assert.equal(stepIndexOf('02-directory'), 2);
  });

  it('ignores entries that are not step files', () => {
    for (const name of ['README.md', 'operator', 'spark-pi.yaml', 'download-kudo.sh', 'first-operator', '00-a.b.yaml', '00-install.yml', 'install.yaml']) {
      assert.equal(stepIndexOf(name), undefined, name);
    }
  });

  it('classifies files by their first name component', () => {
    assert.deepEqual(classifyStepFile('00-assert.yaml'), { role: 'assert', name: 'assert' });
    assert.deepEqual(classifyStepFile('01-assert-extra.yaml'), { role: 'assert', name: 'assert' });
    assert.deepEqual(classifyStepFile('01-ASSERT.yaml'), { role: 'assert', name: 'ASSERT' });
    assert.deepEqual(classifyStepFile('02-errors.yaml'), { role: 'errors', name: 'errors' });
    assert.deepEqual(classifyStepFile('02-update_param.yaml'), { role: 'apply', name: 'update_param' });
    assert.deepEqual(classifyStepFile('00-install-cert-manager.yaml'), { role: 'apply', name: 'install' });
    assert.deepEqual(classifyStepFile('assert.yaml'), { role: 'assert', name: 'assert' });
    assert.deepEqual(classifyStepFile('pod.yaml'), { role: 'apply', name: 'pod' });
    assert.equal(classifyStepFile('a.b.yaml'), undefined);
  });

  it('matches ignore globs against whole names', () => {
    assert.ok(globMatches('README*', 'README.md'));
    assert.ok(!globMatches('README*', 'xREADME'));
    assert.ok(globMatches('*.sh', 'download-kudo.sh'));
    assert.ok(globMatches('0?-notes.[tm]xt', '01-notes.txt'));
    assert.ok(!globMatches('*.sh', 'run.shx'));
  });

  it('expands variables as Go os.Expand does', () => {
    const env = { NAMESPACE: 'ns1', HOME: '/root' };
    assert.equal(expandEnv('kubectl -n $NAMESPACE get ${HOME}/x', env), 'kubectl -n ns1 get /root/x');
    assert.equal(expandEnv('$UNKNOWN-x', env), '-x');
    assert.equal(expandEnv('cost $$5 and $', env), 'cost $5 and $');
  });
});

describe('test discovery', () => {
  const log: string[] = [];
  const cases = discoverTestCases(['./discovery'], join(here, 'testdata'), { ignoreFiles: ['README*'], log: (m) => log.push(m), env: {} });

  it('finds immediate sub-directories only, sorted', () => {
    assert.deepEqual(
      cases.map((c) => c.name),
      ['case-a', 'case-b'],
    );
    assert.equal(cases[0].testDir, './discovery');
  });

  it('groups files into steps by index, with gaps', () => {
    const a = cases[0];
    assert.deepEqual(
      a.steps.map((s) => `${s.index}-${s.name}`),
      ['0-install', '1-', '2-update_param', '5-pod'],
    );
    const [s0, s1, s2, s5] = a.steps;
    assert.deepEqual(
      s0.apply.map((o) => o.object.metadata.name),
      ['first', 'second'],
    );
    assert.equal(s0.apply[1].file, `${join(a.dir, '00-install.yaml')}:11`);
    assert.equal(s0.asserts.length, 1);
    assert.equal(s0.assertSpec?.timeout, 5);
    assert.deepEqual(
      s1.asserts.map((o) => o.object.metadata.name),
      ['second'],
    );
    assert.equal(s2.errors.length, 1);
    assert.equal(s2.apply.length, 0);
    assert.deepEqual(s2.spec?.delete, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'first', namespace: undefined, labels: undefined }]);
    assert.equal(s2.spec?.commands[0].command, 'echo $NAMESPACE');
    assert.equal(s5.apply.length, 1);
    assert.equal(s5.asserts.length, 1);
  });

  it('logs ignored files but not README files', () => {
    assert.ok(log.some((m) => m.includes('spark-pi.yaml')));
    assert.ok(log.some((m) => m.includes('00-a.b.yaml')));
    assert.ok(!log.some((m) => m.includes('README')));
    assert.ok(log.some((m) => m.includes('00-install.yaml') && m.includes('skipped 1 document')));
  });

  it('uses the TestStep name and loads its extra apply and assert paths', () => {
    const [step] = cases[1].steps;
    assert.equal(step.index, 10);
    assert.equal(step.name, 'custom-name');
    assert.deepEqual(
      step.apply.map((o) => o.object.kind),
      ['Secret'],
    );
    assert.deepEqual(
      step.asserts.map((o) => o.object.kind),
      ['Secret'],
    );
  });

  it('rejects a missing test dir and two TestSteps in one step', () => {
    assert.throws(() => discoverTestCases(['./nope'], here, { ignoreFiles: [], log: () => {}, env: {} }), /test dir \.\/nope does not exist/);
    assert.throws(
      () => discoverTestCases(['./bad-steps'], join(here, 'testdata'), { ignoreFiles: [], log: () => {}, env: {} }),
      (e: Error) => {
        assert.ok(e instanceof HarnessError);
        assert.match(e.message, /00-two-steps\.yaml: more than 1 TestStep not allowed in step 0/);
        return true;
      },
    );
  });
});

describe("KUDO's own suites", { skip: existsSync(kudoSuites) ? false : `${kudoSuites} is absent` }, () => {
  for (const config of ['kudo-integration-test.yaml', 'kudo-e2e-test.yaml']) {
    it(`loads ${config} and every test and step in it`, () => {
      const warnings: string[] = [];
      const suite = loadSuiteFile(join(kudoSuites, config), (w) => warnings.push(w));
      assert.deepEqual(warnings, []);
      assert.equal(suite.startControlPlane, true);
      assert.equal(suite.parallel, 4);
      assert.equal(suite.commands[0].background, true);
      assert.match(suite.commands[0].command ?? '', /^kubectl-kudo manager/);
      const cases = discoverTestCases(suite.testDirs, kudoSuites, { ignoreFiles: suite.ignoreFiles, log: () => {}, env: {} });
      assert.ok(cases.length >= (config.includes('e2e') ? 6 : 16), `found ${cases.length} cases`);
      for (const tc of cases) {
        assert.ok(tc.steps.length > 0, `${tc.name} has steps`);
        for (const step of tc.steps) {
          const work = step.apply.length + step.asserts.length + step.errors.length + (step.spec?.commands.length ?? 0);
          assert.ok(work > 0, `${tc.name} step ${step.index} does something`);
        }
      }
      const byName = new Map(cases.map((c) => [c.name, c]));
      if (config.includes('e2e')) {
        const uninstall = byName.get('cli-install-uninstall')!;
        assert.deepEqual(
          uninstall.steps.map((s) => `${s.index}-${s.name}`),
          ['0-install', '1-uninstall'],
        );
        assert.equal(uninstall.steps[1].errors.length, 3);
        assert.equal(uninstall.steps[1].asserts[0].object.kind, 'Event');
      } else {
        const first = byName.get('first-operator-test')!;
        assert.deepEqual(
          first.steps.map((s) => `${s.index}-${s.name}`),
          ['0-install', '1-scale'],
        );
        assert.equal(first.steps[0].spec?.commands[0].namespaced, true);
        assert.equal(first.steps[1].errors[0].object.kind, 'Instance');
        // A leading "---" (empty first document) is fine.
        assert.equal(byName.get('parameter-types-operator')!.steps[0].asserts.length, 2);
      }
    });
  }
});
