/**
 * KUDO's KUTTL suites (../shared/testdata/kudo-suites) with the manager least-privilege: the
 * local control plane enforces RBAC (its default) and the manager runs under the ServiceAccount
 * kudo-system/kudo-manager bound to the kudo-manager ClusterRole of managerRbac() (the base role).
 *
 * The variant is a temporary copy of the suite folder; its test folders are unchanged. It differs
 * from the original in two places only:
 * - manifests/kudo-manager-rbac.yaml (added): the kudo-system Namespace, the ServiceAccount and
 *   the objects of managerRbac('kudo-system'), applied as admin with the suite's manifests;
 * - the suite config's commands: a script first writes ./manager.kubeconfig (the suite's
 *   kubeconfig with the user replaced by a `kubectl create token` token of the ServiceAccount,
 *   checked to be refused cluster-admin rights), and the manager command gets
 *   `--kubeconfig ./manager.kubeconfig`. Test steps still run as the admin, as in the original.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { managerRbac } from '/work/main/src/manager/rbac.js';

const root = '/work/main';
const suites = join(root, '..', 'shared', 'testdata', 'kudo-suites');
const noSuites = existsSync(suites) ? false : `${suites} is absent`;

const NS = 'kudo-system';
const SA = 'kudo-manager';
const MANAGER_KUBECONFIG = './manager.kubeconfig';

/** Writes the manager's kubeconfig and refuses to go on if it could act as cluster-admin. */
const KUBECONFIG_SCRIPT = `set -e
cp "$KUBECONFIG" ${MANAGER_KUBECONFIG}
token=$(kubectl create token ${SA} -n ${NS} --duration=2h)
kubectl --kubeconfig ${MANAGER_KUBECONFIG} config set-credentials ${SA} --token="$token" >/dev/null
kubectl --kubeconfig ${MANAGER_KUBECONFIG} config set-context --current --user=${SA} >/dev/null
if kubectl --kubeconfig ${MANAGER_KUBECONFIG} auth can-i create clusterrolebindings >/dev/null; then
  echo "the manager's kubeconfig is not least-privilege" >&2
  exit 1
fi
kubectl --kubeconfig ${MANAGER_KUBECONFIG} auth can-i create instances.kudo.dev -n default >/dev/null
`;

function makeWritable(path: string): void {
  chmodSync(path, statSync(path).mode | 0o200);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

interface SuiteCommand {
  command?: string;
  script?: string;
  background?: boolean;
}

/** Copies the suite folder and turns it into the least-privilege variant described above. */
function leastPrivilegeCopy(config: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-suites-least-privilege-'));
  cpSync(suites, dir, { recursive: true });
  makeWritable(dir);
  const rbac = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } },
    ...managerRbac(NS, SA),
  ];
  writeFileSync(join(dir, 'manifests', 'kudo-manager-rbac.yaml'), rbac.map((o) => stringify(o)).join('---\n'));
  const path = join(dir, config);
  const suite = parse(readFileSync(path, 'utf8')) as { commands?: SuiteCommand[] };
  const commands = suite.commands ?? [];
  const managerAt = commands.findIndex((c) => c.command?.startsWith('kubectl-kudo manager '));
  assert.ok(managerAt >= 0, `${config} has no manager command`);
  commands[managerAt] = { ...commands[managerAt], command: `${commands[managerAt].command} --kubeconfig ${MANAGER_KUBECONFIG}` };
  commands.splice(managerAt, 0, { script: KUBECONFIG_SCRIPT });
  suite.commands = commands;
  writeFileSync(path, stringify(suite));
  return { dir, config: path };
}

function runLeastPrivilege(config: string): void {
  const copy = leastPrivilegeCopy(config);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run-suite.ts', 'conformance', 'kuttl', copy.config], {
      cwd: root,
      env: { ...process.env, KUBEBUILDER_ASSETS: '' },
      encoding: 'utf8',
      timeout: 400_000,
    });
    const out = `${r.stdout}\n${r.stderr}`; console.log(out);
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
    assert.ok(summary, `no summary line in:\n${out.slice(-3000)}`);
    assert.equal(summary[2], '0', out.slice(-6000));
    assert.ok(Number(summary[1]) > 0, 'the suite ran no test');
    assert.equal(r.status, 0, out.slice(-2000));
  } finally {
    
  }
}


runLeastPrivilege('kudo-integration-test.yaml');
