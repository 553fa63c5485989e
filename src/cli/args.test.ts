import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helpText, parseCommandLine } from './args.js';
import { GLOBAL_FLAGS, ROOT } from './commands.js';
import { UsageError } from './errors.js';

const parse = (line: string) => parseCommandLine(line.split(' ').filter(Boolean), ROOT, GLOBAL_FLAGS);

describe('command line parsing', () => {
  it('finds commands and takes flags anywhere, in every pflag spelling', () => {
    const c = parse('-n ns1 install ./op --instance=x -p a=1 -pb=2 --parameter c=3 --wait --wait-time 10');
    assert.deepEqual(c.path, ['install']);
    assert.deepEqual(c.positional, ['./op']);
    assert.equal(c.flags.namespace, 'ns1');
    assert.equal(c.flags.instance, 'x');
    assert.deepEqual(c.flags.parameter, ['a=1', 'b=2', 'c=3']);
    assert.equal(c.flags.wait, true);
    assert.equal(c.flags['wait-time'], 10);
    assert.ok(c.given.has('wait-time'));
  });
  it('applies defaults and nested commands', () => {
    const c = parse('plan status --instance i');
    assert.deepEqual(c.path, ['plan', 'status']);
    assert.equal(c.flags.wait, false);
    assert.equal(c.flags['validate-install'], true);
    assert.equal(parse('repo rm a b').def.name, 'remove');
  });
  it('hands everything after a passthrough command over unparsed', () => {
    const c = parse('--kubeconfig k test ./tests --parallel 2 -n x');
    assert.deepEqual(c.path, ['test']);
    assert.deepEqual(c.rest, ['./tests', '--parallel', '2', '-n', 'x']);
    assert.equal(c.flags.kubeconfig, 'k');
  });
  it('rejects unknown commands and flags, and bad values, with a usage error', () => {
    assert.throws(
      () => parse('bogus'),
      (e: Error) => e instanceof UsageError && /unknown command "bogus"/.test(e.message),
    );
    assert.throws(() => parse('install --nope x'), /unknown flag: --nope for "kubectl-kudo install"/);
    assert.throws(() => parse('install x --wait-time soon'), /invalid argument "soon" for "--wait-time" flag/);
    assert.throws(() => parse('install x --instance'), /flag needs an argument: --instance/);
  });
  it('writes help listing subcommands and flags', () => {
    const c = parse('plan --help');
    assert.ok(c.help);
    const text = helpText(c.def, c.path, GLOBAL_FLAGS);
    assert.match(text, /Available Commands:\n {2}status +Show the status/);
    assert.match(text, /--namespace string/);
  });
});
