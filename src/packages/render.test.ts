import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { OperatorVersionSpec, Task } from '../api/types.js';
import type { KubeObject } from '../k8s/object.js';
import { renderCommand } from './commands/render.js';
import { loadPackage } from './io/files.js';
import { builtInScope } from './kinds.js';
import { parsePackage } from './model.js';
import { renderPlan } from './plan-render.js';
import { decodeObjects, renderTask, splitDocuments, TaskRenderError, type RenderContext } from './render.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

function ctx(templates: Record<string, string>, extra: Partial<RenderContext> = {}, parameters: OperatorVersionSpec['parameters'] = []): RenderContext {
  return {
    instance: { name: 'inst', namespace: 'ns', uid: 'uid-1' },
    operatorName: 'op',
    operatorVersion: { version: '1.0.0', appVersion: '2.0', templates, parameters },
    planName: 'deploy',
    phaseName: 'ph',
    stepName: 'st',
    planUid: 'plan-uid',
    parameters: {},
    pipes: {},
    scope: builtInScope,
    ...extra,
  };
}
const apply = (resources: string[]): Task => ({ name: 't', kind: 'Apply', spec: { resources } });
const objectsOf = (r: ReturnType<typeof renderTask>): KubeObject[] =>
  r.action === 'apply' || r.action === 'delete' || r.action === 'instance' ? r.objects : [];

test('documents are split on "\\n---"; empty and comment-only documents are dropped', () => {
  assert.deepEqual(splitDocuments('a: 1\n---\n\n---   \nb: 2\n---x: 3'), ['a: 1', '   \nb: 2', 'x: 3']);
  const objs = decodeObjects('---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n{}\n');
  assert.deepEqual(
    objs.map((o) => o.metadata.name),
    ['a'],
  );
  assert.throws(() => decodeObjects('metadata:\n  name: a\n'), /Object 'Kind' is missing/);
  assert.throws(() => decodeObjects('- a\n'), /expected a YAML map/);
});

test('a block scalar right before "---" loses its final line break, as when KUDO decodes the split documents', () => {
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  run.sh: |\n    echo ${name}\n`;
  const objs = decodeObjects(`${cm('a')}---\n${cm('b')}`);
  assert.deepEqual(
    objs.map((o) => (o as unknown as { data: Record<string, string> }).data['run.sh']),
    ['echo a', 'echo b\n'],
  );
});

test('enhancement: labels, annotations, namespace, owner, pod templates, claim templates', () => {
  const sts =
    'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Name }}\n  namespace: elsewhere\nspec:\n  template:\n    spec: {}\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n';
  const role = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {{ .Name }}-role\n';
  const [s, cr] = objectsOf(renderTask(apply(['sts.yaml', 'role.yaml']), ctx({ 'sts.yaml': sts, 'role.yaml': role })));
  const labels = { heritage: 'kudo', 'kudo.dev/operator': 'op', 'kudo.dev/instance': 'inst' };
  assert.deepEqual(s.metadata.labels, labels);
  assert.deepEqual(s.metadata.annotations, {
    'kudo.dev/plan': 'deploy',
    'kudo.dev/phase': 'ph',
    'kudo.dev/step': 'st',
    'kudo.dev/last-plan-execution-uid': 'plan-uid',
  });
  assert.equal(s.metadata.namespace, 'ns', 'the instance namespace overrides the template');
  assert.deepEqual(s.metadata.ownerReferences, [
    { apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', name: 'inst', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
  ]);
  const spec = s.spec as {
    template: { metadata: { labels: object; annotations: Record<string, string> } };
    volumeClaimTemplates: { metadata: { labels: object; annotations?: object } }[];
  };
  assert.deepEqual(spec.template.metadata.labels, labels);
  assert.equal(spec.template.metadata.annotations['kudo.dev/operator-version'], '1.0.0');
  assert.match(spec.template.metadata.annotations['kudo.dev/dependencies-hash'], /^[0-9a-f]{32}$/);
  assert.deepEqual(spec.volumeClaimTemplates[0].metadata.labels, labels);
  assert.equal(spec.volumeClaimTemplates[0].metadata.annotations, undefined);
  assert.equal(cr.metadata.namespace, undefined, 'cluster-scoped objects get no namespace');
  assert.equal(cr.metadata.ownerReferences, undefined, 'and no owner reference');
});

test('unknown kinds: apply fails as KUDO does, delete skips them', () => {
  const cr = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n';
  assert.throws(
    () => renderTask(apply(['cr.yaml']), ctx({ 'cr.yaml': cr })),
    (e: unknown) => e instanceof TaskRenderError && /failed to determine if object example.com\/v1\/Widget w is namespaced/.test(e.message),
  );
  assert.deepEqual(renderTask({ name: 'd', kind: 'Delete', spec: { resources: ['cr.yaml'] } }, ctx({ 'cr.yaml': cr })), { action: 'delete', objects: [] });
});

test('dependencies hash follows ConfigMap content, not annotations; skip annotation zeroes it', () => {
  const deploy =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      volumes:\n      - name: c\n        configMap:\n          name: cm\n';
  const hash = (cm: string): string => {
    const objs = objectsOf(renderTask(apply(['d.yaml', 'cm.yaml']), ctx({ 'd.yaml': deploy, 'cm.yaml': cm })));
    return (objs[0].spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['kudo.dev/dependencies-hash'];
  };
  const base = hash('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n');
  assert.notEqual(hash('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "2"\n'), base);
  assert.equal(hash('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    x: y\ndata:\n  a: "1"\n'), base);
  const skipped = hash('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    kudo.dev/skip-hash-calculation: "true"\ndata:\n  a: "1"\n');
  // md5 of 16 zero bytes: the same as a missing dependency.
  assert.equal(skipped, '4ae71336e44bf9bf79d2752e234818a5');
  const missing = objectsOf(renderTask(apply(['d.yaml']), ctx({ 'd.yaml': deploy })));
  assert.equal(
    (missing[0].spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['kudo.dev/dependencies-hash'],
    skipped,
  );
});

test('dependencies hash matches the values KUDO computes (its e2e dependencies-hash case)', () => {
  // KUDO hashes go-yaml v2's text of the sanitised *Unstructured; these sums were observed
  // from KUDO for a ConfigMap "configdata" of instance "depop" of operator "dep-operator".
  const deploy =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      volumes:\n      - name: c\n        configMap:\n          name: configdata\n';
  const cm = (a: string, b: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: configdata\ndata:\n  valueA: ${a}\n  valueB: ${b}\n`;
  const hash = (a: string, b: string): string => {
    const c = ctx({ 'd.yaml': deploy, 'cm.yaml': cm(a, b) }, { instance: { name: 'depop', namespace: 'kuttl-ns', uid: 'u' }, operatorName: 'dep-operator' });
    const objs = objectsOf(renderTask(apply(['cm.yaml', 'd.yaml']), c));
    return (objs[1].spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['kudo.dev/dependencies-hash'];
  };
  assert.equal(hash('FancyValue', 'OtherFancyValue'), '6fa812afe527bdb6c9a5fbfcba8193bb');
  assert.equal(hash('ChangedValue', 'OtherFancyValue'), 'da9f56a62d3c4af2596bebace008d845');
  assert.equal(hash('ChangedValue', 'SecondChangedValue'), '1510654b540619228b477bdd56d44175');
});

test('toggle, dummy, params and errors', () => {
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}\ndata:\n  v: "{{ .Params.ON }}"\n';
  const params = [{ name: 'ON', default: 'true' }];
  const toggle: Task = { name: 'tg', kind: 'Toggle', spec: { resources: ['cm.yaml'], parameter: 'ON' } };
  assert.equal(renderTask(toggle, ctx({ 'cm.yaml': cm }, {}, params)).action, 'apply');
  assert.equal(renderTask(toggle, ctx({ 'cm.yaml': cm }, { parameters: { ON: 'F' } }, params)).action, 'delete');
  assert.throws(
    () => renderTask(toggle, ctx({ 'cm.yaml': cm }, { parameters: { ON: 'maybe' } }, params)),
    /could not parse value of parameter ON: strconv\.ParseBool: parsing "maybe": invalid syntax/,
  );
  assert.deepEqual(renderTask({ name: 'x', kind: 'Dummy', spec: { done: true } }, ctx({})), { action: 'none' });
  assert.throws(() => renderTask(apply([]), ctx({})), /task validation error: apply task 't' has an empty resource list/);
  assert.throws(
    () => renderTask(apply(['bad.yaml']), ctx({ 'bad.yaml': '{{ .Params.NOPE }}' })),
    /^Error: error expanding template bad\.yaml: error rendering template: .*map has no entry for key "NOPE"/,
  );
  assert.throws(() => renderTask(apply(['bad.yaml']), ctx({ 'bad.yaml': 'a: [\n' })), /^Error: parsing YAML from bad\.yaml: decoding chunk/);
});

test('KudoOperator renders the child Instance with a non-controller owner', () => {
  const task: Task = {
    name: 'dep',
    kind: 'KudoOperator',
    spec: { package: 'zookeeper', operatorVersion: '0.3.1', appVersion: '3.4.14', parameterFile: 'zk-params.yaml' },
  };
  const [child] = objectsOf(renderTask(task, ctx({ 'zk-params.yaml': 'NODE_COUNT: 1\nNAME: {{ .Name }}-zk\n' })));
  assert.deepEqual(child, {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'Instance',
    metadata: {
      name: 'inst-zookeeper',
      namespace: 'ns',
      labels: { 'kudo.dev/operator': 'zookeeper' },
      ownerReferences: [{ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', name: 'inst', uid: 'uid-1' }],
    },
    spec: { operatorVersion: { name: 'zookeeper-3.4.14-0.3.1' }, parameters: { NODE_COUNT: '1', NAME: 'inst-zk' } },
  });
  // Parameter files see no plan variables, as in KUDO.
  assert.throws(() => renderTask(task, ctx({ 'zk-params.yaml': 'P: {{ .PlanName }}\n' })), /map has no entry for key "PlanName"/);
});

test('pipe pods are checked and named as KUDO does', () => {
  const pod =
    'apiVersion: v1\nkind: Pod\nspec:\n  volumes:\n  - name: shared\n    emptyDir: {}\n  initContainers:\n  - name: gen\n    image: busybox\n    volumeMounts:\n    - name: shared\n      mountPath: /tmp\n';
  const task: Task = { name: 'Gen-Files', kind: 'Pipe', spec: { pod: 'pod.yaml', pipe: [{ file: '/tmp/a.txt', kind: 'Secret', key: 'a' }] } };
  const r = renderTask(task, ctx({ 'pod.yaml': pod }));
  assert.equal(r.action, 'pipe');
  if (r.action !== 'pipe') return;
  assert.equal(r.pod.metadata.name, 'inst.deploy.ph.st.genfiles.pipepod');
  assert.equal(r.pod.metadata.annotations?.['kudo.dev/pipepod'], 'true');
  assert.deepEqual(r.artifacts, [{ key: 'a', kind: 'Secret', name: 'inst.deploy.ph.st.genfiles.a', file: '/tmp/a.txt' }]);
  assert.throws(() => renderTask(task, ctx({ 'pod.yaml': pod.replace('initContainers', 'containers') })), /pipe pod should not have containers/);
  assert.throws(
    () => renderTask({ ...task, spec: { ...task.spec, pipe: [{ file: '/var/a.txt', kind: 'Secret', key: 'a' }] } }, ctx({ 'pod.yaml': pod })),
    /pipe file \/var\/a\.txt should be a child of \/tmp mount path/,
  );
});

test('render golden: the zk fixture deploy plan', () => {
  const out = renderCommand(join(testdata, 'zk'), { namespace: 'kudo-test', instance: 'zk' });
  assert.equal(out.code, 0);
  assert.equal(out.stdout, readFileSync(join(testdata, 'golden', 'zk-deploy.golden'), 'utf8'));
});

test('plan render: CRDs in the package give their kinds a scope; earlier steps feed the hash', () => {
  const files = new Map([
    [
      'operator.yaml',
      'name: op\noperatorVersion: 0.1.0\ntasks:\n- {name: crd, kind: Apply, spec: {resources: [crd.yaml]}}\n- {name: cr, kind: Apply, spec: {resources: [cr.yaml]}}\nplans:\n  deploy:\n    phases:\n    - name: p\n      steps:\n      - {name: a, tasks: [crd]}\n      - {name: b, tasks: [cr]}\n',
    ],
    ['params.yaml', 'parameters: []\n'],
    [
      'templates/crd.yaml',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets}\n',
    ],
    ['templates/cr.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n'],
  ]);
  const plan = renderPlan(parsePackage(files, 'mem'), { namespace: 'x' });
  const [crd, cr] = plan.tasks.map((t) => objectsOf(t.result)[0]);
  assert.equal(crd.metadata.namespace, undefined);
  assert.equal(cr.metadata.namespace, 'x');
  assert.throws(
    () => renderPlan(parsePackage(new Map([...files, ['params.yaml', 'parameters:\n- name: R\n']]), 'mem')),
    /parameters are not valid: parameter "R" is required but has no value set/,
  );
});

test('the same package renders from a folder and from its files in memory', () => {
  const pkg = loadPackage(join(testdata, 'zk'));
  const a = renderPlan(pkg, { plan: 'validation' });
  assert.equal(a.tasks.length, 1);
  assert.equal(objectsOf(a.tasks[0].result)[0].kind, 'Job');
});
