import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWebhookCertificate, parseManagerArgs, runManager } from './cli.js';
import { managerRbac } from './rbac.js';

describe('kubectl kudo manager flags', () => {
  it('parses every flag with KUDO-like defaults', () => {
    assert.deepEqual(parseManagerArgs([]), {
      webhookPort: 443,
      metricsAddr: ':8080',
      healthAddr: ':8081',
      leaderElect: false,
      workers: 8,
      logLevel: 'info',
      help: false,
    });
    const a = parseManagerArgs([
      '--kubeconfig',
      'k',
      '--context=c',
      '--webhook-port',
      '9443',
      '--webhook-cert-dir',
      './cert',
      '--metrics-addr',
      '127.0.0.1:9090',
      '--health-addr=0',
      '--leader-elect',
      '--namespace',
      'ns',
      '--workers',
      '8',
    ]);
    assert.equal(a.kubeconfig, 'k');
    assert.equal(a.context, 'c');
    assert.equal(a.webhookPort, 9443);
    assert.equal(a.webhookCertDir, './cert');
    assert.equal(a.metricsAddr, '127.0.0.1:9090');
    assert.equal(a.healthAddr, '0');
    assert.equal(a.leaderElect, true);
    assert.equal(a.namespace, 'ns');
    assert.equal(a.workers, 8);
  });

  it('names the flag in errors', () => {
    assert.throws(() => parseManagerArgs(['--webhook-port', 'x']), /invalid argument "x" for "--webhook-port" flag/);
    assert.throws(() => parseManagerArgs(['--metrics-addr', 'nope:port']), /--metrics-addr: "nope:port" is not an address/);
    assert.throws(() => parseManagerArgs(['--bogus']), /unknown flag: --bogus/);
    assert.throws(() => parseManagerArgs(['--kubeconfig']), /flag needs an argument: --kubeconfig/);
  });

  it('reports a missing certificate as one clear line and exit code 1', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) }, env: {}, stopSignal: Promise.resolve() };
    const code = await runManager(['--webhook-cert-dir', '/nonexistent-kudo-certs'], io);
    assert.equal(code, 1);
    assert.equal(
      out.join(''),
      'Error: webhook certificate not found: /nonexistent-kudo-certs/tls.crt is missing (set --webhook-cert-dir or KUDO_CERT_DIR to a folder with tls.crt and tls.key)\n',
    );
  });

  it('loads tls.crt and tls.key from the certificate folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kudo-cert-'));
    writeFileSync(join(dir, 'tls.crt'), 'CERT');
    writeFileSync(join(dir, 'tls.key'), 'KEY');
    assert.deepEqual(loadWebhookCertificate(dir), { cert: 'CERT', key: 'KEY' });
  });
});

describe('manager RBAC', () => {
  it('is an aggregated ClusterRole plus a base role, bound to the service account; no wildcards', () => {
    const objs = managerRbac('kudo-system');
    const [agg, base, binding] = objs as Record<string, any>[];
    assert.deepEqual(agg.aggregationRule.clusterRoleSelectors, [{ matchLabels: { 'kudo.dev/aggregate-to-manager': 'true' } }]);
    assert.equal(base.metadata.labels['kudo.dev/aggregate-to-manager'], 'true');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'kudo-manager', namespace: 'kudo-system' }]);
    for (const rule of base.rules) {
      assert.ok(!rule.verbs.includes('*') && !rule.resources.includes('*') && !rule.apiGroups.includes('*'), JSON.stringify(rule));
    }
    assert.ok(base.rules.some((r: any) => r.resources.includes('instances/status')));
    assert.ok(base.rules.some((r: any) => r.resources.includes('leases')));
  });
});
