import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findRealK8s, realK8sAssetsDir } from './real-assets.js';

const work = mkdtempSync(join(tmpdir(), 'real-assets-'));
after(() => rmSync(work, { recursive: true, force: true }));

function folder(name: string, bins: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const bin of bins) writeFileSync(join(dir, bin), '');
  return dir;
}

describe('where the real Kubernetes binaries are found', () => {
  const full = folder('full', ['etcd', 'kube-apiserver']);
  const other = folder('other', ['etcd', 'kube-apiserver', 'kube-controller-manager']);
  const home = work;
  folder('.cache/real-k8s-fixed', ['etcd', 'kube-apiserver']);

  it('prefers KUBEBUILDER_ASSETS, then KUDO_REAL_K8S_DIR, then ~/.cache/real-k8s-fixed', () => {
    assert.deepEqual(findRealK8s({ HOME: home, KUBEBUILDER_ASSETS: full, KUDO_REAL_K8S_DIR: other }), { dir: full, from: 'KUBEBUILDER_ASSETS' });
    assert.deepEqual(findRealK8s({ HOME: home, KUDO_REAL_K8S_DIR: other }), { dir: other, from: 'KUDO_REAL_K8S_DIR' });
    assert.deepEqual(findRealK8s({ HOME: home }), { dir: join(home, '.cache', 'real-k8s-fixed'), from: 'default' });
    assert.deepEqual(findRealK8s({ HOME: home, KUBEBUILDER_ASSETS: '' }), { dir: join(home, '.cache', 'real-k8s-fixed'), from: 'default' });
  });

  it('reports a named folder without the binaries instead of falling back to another one', () => {
    const half = folder('half', ['etcd']);
    const why = findRealK8s({ HOME: home, KUBEBUILDER_ASSETS: half, KUDO_REAL_K8S_DIR: other });
    assert.equal(typeof why, 'string');
    assert.match(why as string, /kube-apiserver missing in KUBEBUILDER_ASSETS=.*\/half\); build them with/);
    assert.match(findRealK8s({ HOME: join(work, 'nowhere') }) as string, /kube-apiserver, etcd missing in .*nowhere\/\.cache\/real-k8s-fixed\)/);
    assert.equal(realK8sAssetsDir({ HOME: home, KUDO_REAL_K8S_DIR: half }).dir, half);
  });
});
