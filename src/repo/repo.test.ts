import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../cli/errors.js';
import { ensureHome, pickRepository, readRepositories, requireRepositories, writeRepositories } from './config.js';
import { compareEntries, findEntry, formatIndex, IndexError, mergeIndex, parseIndex, type IndexEntry } from './index-file.js';
import { compareVersionText, parseSemver } from './semver.js';

const golden = (name: string): string => readFileSync(new URL(`../cli/testdata/${name}`, import.meta.url), 'utf8');

describe('semver', () => {
  it('orders versions, pre-releases before releases, non-semver lowest', () => {
    assert.deepEqual(parseSemver('v1.2'), { major: 1, minor: 2, patch: 0, prerelease: [] });
    assert.equal(compareVersionText('1.10.0', '1.9.0'), 1);
    assert.equal(compareVersionText('1.0.0-rc.1', '1.0.0'), -1);
    assert.equal(compareVersionText('1.0.0-rc.2', '1.0.0-rc.10'), -1);
    assert.equal(compareVersionText('latest', '0.0.1'), -1);
    assert.equal(compareVersionText('1.0.0+build', '1.0.0'), 0);
  });
});

describe('repository index', () => {
  const text = `apiVersion: v1
entries:
  zk:
  - {name: zk, operatorVersion: 0.1.0, appVersion: 3.4.10, urls: [http://x/zk-3.4.10_0.1.0.tgz]}
  - {name: zk, operatorVersion: 0.2.0, appVersion: 3.4.10, urls: [http://x/zk-3.4.10_0.2.0.tgz]}
  - {name: zk, operatorVersion: 0.1.0, appVersion: 3.6.0, urls: [http://x/zk-3.6.0_0.1.0.tgz]}
`;
  it('sorts entries newest first by app version, then operator version', () => {
    const index = parseIndex(text, 'index.yaml');
    assert.deepEqual(
      index.entries.zk.map((e) => `${e.appVersion}/${e.operatorVersion}`),
      ['3.6.0/0.1.0', '3.4.10/0.2.0', '3.4.10/0.1.0'],
    );
    const noApp: IndexEntry = { name: 'zk', operatorVersion: '9.0.0' };
    assert.equal(compareEntries(noApp, index.entries.zk[0]), 1, 'an entry without app version sorts last');
  });
  it('finds the first match and says what is missing', () => {
    const index = parseIndex(text, 'index.yaml');
    assert.equal(findEntry(index, 'zk').appVersion, '3.6.0');
    assert.equal(findEntry(index, 'zk', '3.4.10').operatorVersion, '0.2.0');
    assert.equal(findEntry(index, 'zk', undefined, '0.1.0').appVersion, '3.6.0');
    assert.throws(() => findEntry(index, 'kafka'), /no operator found for: kafka/);
    assert.throws(() => findEntry(index, 'zk', undefined, '1.0.0'), /no operator version found for zk-1\.0\.0/);
  });
  it('rejects an index without apiVersion or an entry without operatorVersion', () => {
    assert.throws(
      () => parseIndex('entries: {}\n', 'i.yaml'),
      (e: Error) => e instanceof IndexError && /no API version defined/.test(e.message),
    );
    assert.throws(() => parseIndex('apiVersion: v1\nentries:\n  a:\n  - {name: a}\n', 'i.yaml'), /package a is missing an operator version/);
    assert.throws(() => parseIndex(': : :\n- x', 'i.yaml'), /i\.yaml is not a valid repository index/);
  });
  it('merges with local entries winning and writes KUDO golden YAML', () => {
    const local = parseIndex(
      `apiVersion: v1
entries:
  mysql:
  - {name: mysql, operatorVersion: 0.1.0, appVersion: "5.7", digest: aafe419e62065c5a3dc2f5d1458f1b5977137918236c3812ba90b5c7f6b8fb20, urls: [https://kudo-repository.storage.googleapis.com/0.7.0/mysql-0.1.0.tgz]}
`,
      'local',
    );
    const remote = parseIndex(
      `apiVersion: v1
entries:
  mysql:
  - {name: mysql, operatorVersion: 0.1.0, appVersion: "5.7", digest: other, urls: [http://elsewhere/mysql.tgz]}
  elastic:
  - name: elastic
    operatorVersion: 0.1.0
    digest: 98beef6e771a64e42275b34059cde0bcf5244493a6511d1229bf3dd8f44c4791
    maintainers: [{name: Michael Beisiegel, email: michael.beisiegel@gmail.com}]
    urls: [https://kudo-repository.storage.googleapis.com/0.7.0/elastic-0.1.0.tgz]
`,
      'remote',
    );
    const merged = mergeIndex(local, remote);
    merged.generated = '2019-09-12T15:04:34.675941-05:00';
    assert.equal(formatIndex(merged), golden('merge-index.yaml.golden'));
  });
});

describe('repositories.yaml', () => {
  it('is created by init with the community default, and edited by repo commands', () => {
    const home = mkdtempSync(join(tmpdir(), 'kudo-home-'));
    try {
      assert.equal(readRepositories(home), undefined);
      assert.throws(
        () => requireRepositories(home),
        (e: Error) => e instanceof UserError && /kubectl kudo init/.test(e.message),
      );
      ensureHome(home);
      const file = requireRepositories(home);
      assert.equal(file.context, 'community');
      file.repositories.push({ name: 'local', url: 'file:///tmp/repo' });
      file.context = 'local';
      writeRepositories(home, file);
      assert.match(readFileSync(join(home, 'repository', 'repositories.yaml'), 'utf8'), /^context: local\nrepoVersion: v1\nrepositories:\n- name: community\n/);
      assert.equal(pickRepository(requireRepositories(home)).url, 'file:///tmp/repo');
      assert.throws(() => pickRepository(file, 'nope'), /no repo named "nope" found/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
