import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Instance, OperatorVersion } from '../api/types.js';
import { repoListText, searchText } from './commands/repo.js';
import { formatVersion, versionInfo } from './commands/version.js';
import { lineDiff } from './diff-text.js';
import { allTree, formatObjects, listTree, planHistoryTree, planStatusTree } from './format.js';
import { defaultRepositories } from '../repo/config.js';
import { parseIndex } from '../repo/index-file.js';

const golden = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

const plan = (name: string) => ({ phases: [{ name, strategy: '', steps: [{ name, tasks: [] }] }] });
const ov: OperatorVersion = {
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'OperatorVersion',
  metadata: { name: 'test-1.0', namespace: 'default' },
  spec: {
    operator: { name: 'some-operator', kind: 'Operator' },
    version: '1.0',
    plans: { zzzinvalid: plan('zzzinvalid'), deploy: plan('deploy'), validate: plan('validate') },
  },
};
const failed: Instance = {
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'Instance',
  metadata: { name: 'test', namespace: 'default' },
  spec: { operatorVersion: { name: 'test-1.0' } },
  status: {
    planStatus: {
      deploy: {
        name: 'deploy',
        status: 'FATAL_ERROR',
        uid: 'u1',
        lastUpdatedTimestamp: '2019-10-17T01:01:01Z',
        phases: [{ name: 'deploy', status: 'FATAL_ERROR', steps: [{ name: 'deploy', status: 'FATAL_ERROR', message: 'error detail' }] }],
      },
      validate: { name: 'validate', status: 'NEVER_RUN', phases: [] },
    },
  },
};

describe('plan status', () => {
  it('prints KUDO golden tree for a FATAL_ERROR step with its message', () => {
    assert.equal(planStatusTree(failed, ov, 'default'), golden('planstatus.txt.golden'));
  });
  it('returns nothing when no plan ever ran', () => {
    assert.equal(planStatusTree({ ...failed, status: { planStatus: { deploy: { name: 'deploy', status: 'NEVER_RUN' } } } }, ov, 'default'), undefined);
  });
  it('colours status words only through the style given', () => {
    const text = planStatusTree(failed, ov, 'default', { status: (s) => `<${s}>` })!;
    assert.match(text, /Plan deploy \( strategy\) \[<FATAL_ERROR>\]/);
    assert.match(text, /\[NOT ACTIVE\]/);
  });
});

describe('plan history', () => {
  it('lists plans by name with their last run, running state or never run', () => {
    const instance: Instance = {
      ...failed,
      status: {
        planStatus: {
          update: { name: 'update', status: 'IN_PROGRESS' },
          deploy: { name: 'deploy', status: 'COMPLETE', lastUpdatedTimestamp: '2020-01-02T03:04:05Z' },
          cleanup: { name: 'cleanup', status: 'NEVER_RUN' },
        },
      },
    };
    assert.equal(
      planHistoryTree(instance),
      '.\n├── cleanup (never run)\n├── deploy (last finished run at 2020-01-02T03:04:05 (COMPLETE))\n└── update (is running)\n\n',
    );
  });
});

describe('get', () => {
  const instance = { ...failed, spec: { operatorVersion: { name: 'some-operator-0.1.0' } } };
  const ov1 = { ...ov, metadata: { name: 'some-operator-0.1.0' } };
  it('prints KUDO golden trees', () => {
    assert.equal(allTree('default', ['some-operator'], [ov1], [instance]), golden('get-all.txt.golden'));
    assert.equal(listTree('List of current installed instances in namespace "default":', ['test']), golden('get-instances.txt.golden'));
    assert.equal(listTree('List of current installed operators in namespace "default":', ['some-operator']), golden('get-operators.txt.golden'));
    assert.equal(
      listTree('List of current installed operatorversions in namespace "default":', ['some-operator-0.1.0']),
      golden('get-operatorversions.txt.golden'),
    );
  });
  it('writes YAML documents with --- and a final ..., JSON as an array', async () => {
    const yaml = await formatObjects([{ kind: 'A', b: 1 }, { kind: 'B' }], 'yaml');
    assert.equal(yaml, '---\nb: 1\nkind: A\n---\nkind: B\n\n...\n');
    assert.deepEqual(JSON.parse(await formatObjects([{ a: 1 }], 'json')), [{ a: 1 }]);
  });
});

describe('repo and search tables', () => {
  it('prints the repository list with the current one starred (golden)', () => {
    assert.equal(repoListText(defaultRepositories()), golden('repo-list.golden'));
  });
  it('prints search results, newest first, extra versions without a name (golden)', () => {
    const index = parseIndex(
      'apiVersion: v1\nentries:\n  mysql:\n  - {name: mysql, operatorVersion: 0.1.0, appVersion: "5.7"}\n  - {name: mysql, operatorVersion: 0.2.0, appVersion: "5.8"}\n',
      'test',
    );
    assert.equal(searchText(index, 'my', true), golden('search3.golden'));
    assert.equal(searchText(index, 'my', false), 'Name \tOperator Version\tApp Version\nmysql\t0.2.0           \t5.8        \n');
    assert.equal(searchText(index, 'zk', false), undefined);
  });
});

describe('version', () => {
  it('prints the Go-style version.Info line', () => {
    const text = formatVersion(versionInfo({ KUDO_DEV_VERSION: 'dev-1' }));
    assert.match(
      text,
      /^KUDO Version: version\.Info\{GitVersion:"dev-1", GitCommit:"", BuildDate:"", GoVersion:"node[\d.]+", Compiler:"esbuild", Platform:"[a-z0-9]+\/[a-z0-9]+", KubernetesClientVersion:"v0\.19\.2"\}\n$/,
    );
  });
});

describe('lineDiff', () => {
  it('marks removed and added lines with context', () => {
    assert.deepEqual(lineDiff('a\nb\nc\nd\ne\nf', 'a\nb\nX\nd\ne\nf', 1), ['  ...', '  b', '- c', '+ X', '  d', '  ...']);
  });
});
