/**
 * `package verify`: KUDO's package verifiers, in KUDO's order and words, plus
 * warnings KUDO does not give (unknown keys in package files, API versions that
 * current clusters no longer serve).
 */
import { DEPLOY_PLAN, type Task } from '../api/types.js';
import { taskTemplates } from './convert.js';
import { parseTemplate, renderTemplate, RenderError } from './engine.js';
import { goQuote } from './gofmt.js';
import { removedApi } from './kinds.js';
import type { Package } from './model.js';
import { enumError, templateParams, toOperatorVersionParameter, typeError } from './params.js';
import { decodeObjects, planPipes, taskBuildError } from './render.js';
import { formatWarning, type RawValue } from './yaml.js';

export interface VerifyResult {
  errors: string[];
  warnings: string[];
}

/** Implicit template variables KUDO provides to task templates. */
export const IMPLICITS = ['Name', 'Namespace', 'OperatorName', 'OperatorVersion', 'AppVersion', 'PlanName', 'PhaseName', 'StepName'];

// Masterminds semver (what KUDO uses): lenient, `v` prefix and missing minor/patch allowed.
const SEMVER = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
export const isSemver = (v: string | undefined): boolean => !!v && SEMVER.test(v);

const sortedTemplates = (pkg: Package): string[] => Object.keys(pkg.templates).sort();
const hasValue = (v: RawValue | undefined): boolean => v !== undefined && v !== null;

function duplicates(pkg: Package, r: VerifyResult): void {
  const seen = new Set<string>();
  for (const p of pkg.params.parameters) {
    const name = (p.name ?? '').toLowerCase();
    if (seen.has(name)) r.errors.push(`parameter ${goQuote(p.name ?? '')} has a duplicate`);
    seen.add(name);
  }
}

function invalidChars(pkg: Package, r: VerifyResult): void {
  for (const p of pkg.params.parameters) {
    for (const ch of (p.name ?? '').toLowerCase())
      if (';,'.includes(ch)) r.errors.push(`parameter ${goQuote(p.name ?? '')} contains invalid character '${ch}'`);
  }
}

function versions(pkg: Package, r: VerifyResult): void {
  const op = pkg.operator;
  if (!isSemver(op.operatorVersion)) r.errors.push('"operatorVersion" is required and must be semver');
  if (!isSemver(op.kubernetesVersion)) r.errors.push('"kubernetesVersion" is required and must be semver');
  for (const field of ['appVersion', 'kudoVersion'] as const) {
    const v = op[field];
    if (v && !isSemver(v)) r.errors.push(`unable to parse "${field}": Invalid Semantic Version`);
  }
}

function taskBuild(pkg: Package, r: VerifyResult): void {
  for (const t of pkg.operator.tasks ?? []) {
    // verify only checks a KudoOperator's package; its version is resolved at install.
    const err =
      t.kind === 'KudoOperator'
        ? t.spec?.package
          ? undefined
          : `task validation error: kudo operator task '${t.name ?? ''}' has an empty package name`
        : taskBuildError(t);
    if (err) r.errors.push(err);
  }
}

function taskReferences(pkg: Package, r: VerifyResult): void {
  const defined = new Set((pkg.operator.tasks ?? []).map((t) => t.name));
  const used = new Set<string>();
  for (const planName of Object.keys(pkg.operator.plans ?? {}).sort()) {
    for (const phase of pkg.operator.plans![planName].phases ?? []) {
      for (const step of phase.steps ?? []) {
        for (const t of step.tasks ?? []) {
          used.add(t);
          if (!defined.has(t)) r.errors.push(`task ${goQuote(t)} in plan ${goQuote(planName)} is not defined`);
        }
      }
    }
  }
  for (const t of pkg.operator.tasks ?? []) if (!used.has(t.name ?? '')) r.warnings.push(`task ${goQuote(t.name ?? '')} defined but not used`);
}

function planReferences(pkg: Package, r: VerifyResult): void {
  const plans = pkg.operator.plans ?? {};
  for (const p of pkg.params.parameters) {
    if (p.trigger && !Object.hasOwn(plans, p.trigger)) r.errors.push(`plan ${goQuote(p.trigger)} used in parameter ${goQuote(p.name ?? '')} is not defined`);
  }
  if (!Object.hasOwn(plans, DEPLOY_PLAN)) r.errors.push(`an operator is required to have '${DEPLOY_PLAN}' plan`);
}

interface TemplateUses {
  params: Set<string>;
  implicits: Set<string>;
  error?: string;
}

function templateUses(pkg: Package): Map<string, TemplateUses> {
  const out = new Map<string, TemplateUses>();
  for (const name of sortedTemplates(pkg)) {
    const parsed = parseTemplate(name, pkg.templates[name]);
    const uses: TemplateUses = { params: new Set(), implicits: new Set() };
    if ('error' in parsed) uses.error = parsed.error;
    else {
      for (const raw of parsed.chains) {
        const chain = raw[0] === '$' ? raw.slice(1) : raw;
        if (chain.length === 1) uses.implicits.add(chain[0]);
        else if (chain.length >= 2 && chain[0] === 'Params') uses.params.add(chain[1]);
      }
    }
    out.set(name, uses);
  }
  return out;
}

function parameterChecks(pkg: Package, uses: Map<string, TemplateUses>, r: VerifyResult): void {
  const params = pkg.params.parameters;
  const defined = new Set(params.map((p) => p.name ?? ''));
  const toggles = (pkg.operator.tasks ?? []).filter((t: Task) => t.kind === 'Toggle');
  // Undefined parameters.
  for (const [name, u] of uses)
    for (const p of [...u.params].sort()) if (!defined.has(p)) r.errors.push(`parameter ${goQuote(p)} in template ${name} is not defined`);
  for (const t of toggles) {
    const p = t.spec?.parameter;
    if (p && !defined.has(p)) r.errors.push(`parameter ${goQuote(p)} in ToggleTask ${t.name ?? ''} is not defined`);
  }
  // Unused parameters (a trigger is a use; so is a Toggle).
  const used = new Set<string>(toggles.map((t) => t.spec?.parameter ?? ''));
  for (const u of uses.values()) for (const p of u.params) used.add(p);
  for (const p of params) if (!used.has(p.name ?? '') && !p.trigger) r.warnings.push(`parameter ${goQuote(p.name ?? '')} defined but not used.`);
  const pe = (p: { name?: string }, msg: string): void => void r.errors.push(`parameter ${goQuote(p.name ?? '')} ${msg}`);
  for (const p of params) if (p.immutable && !hasValue(p.default) && !p.required) pe(p, 'is immutable but is not marked as required or has a default value');
  for (const p of params) {
    if (!p.enum) continue;
    if (p.enum.length === 0) {
      pe(p, 'is an enum but has no allowed values');
      continue;
    }
    for (const e of p.enum) {
      const err = typeError(p.type, e);
      if (err) pe(p, `has an invalid enum value: ${err}`);
    }
  }
  for (const p of params) {
    if (!hasValue(p.default)) continue;
    const err = typeError(p.type, p.default!) ?? (p.enum ? enumError(p.enum, p.default!) : undefined);
    if (err) pe(p, `has an invalid default value: ${err}`);
  }
  for (const p of params) {
    if (p.group?.includes('/')) pe(p, "has a group with invalid character '/'");
    if (p.advanced && !hasValue(p.default) && p.required)
      pe(p, 'is marked as advanced, but also as required and has no default. An advanced parameter must either be optional or have a default value');
  }
  const groups = new Set<string>();
  for (const g of pkg.params.groups ?? []) {
    if (g.name?.includes('/')) r.errors.push(`parameter group ${goQuote(g.name)} contains invalid character '/'`);
    if (groups.has(g.name ?? '')) r.errors.push(`parameter group ${goQuote(g.name ?? '')} is duplicated`);
    groups.add(g.name ?? '');
  }
  for (const p of params) if (p.group && !groups.has(p.group)) pe(p, `has a group ${goQuote(p.group)} that is not defined in the group section`);
  // Template parse errors and implicit variables.
  for (const [name, u] of uses) {
    if (u.error) {
      r.errors.push(`template file ${goQuote(name)} reports the following error: ${u.error}`);
      continue;
    }
    for (const i of [...u.implicits].sort()) if (!IMPLICITS.includes(i)) r.errors.push(`template ${name} defines an invalid implicit parameter ${goQuote(i)}`);
  }
}

function templateReferences(pkg: Package, r: VerifyResult): void {
  const required = new Set<string>();
  for (const t of pkg.operator.tasks ?? []) {
    for (const res of taskTemplates(t)) {
      required.add(res);
      if (!Object.hasOwn(pkg.templates, res)) r.errors.push(`template ${goQuote(res)} required by ${t.name ?? ''} but is not defined`);
    }
  }
  for (const name of sortedTemplates(pkg)) {
    if (!required.has(name) && name !== pkg.operator.namespaceManifest) r.warnings.push(`template ${goQuote(name)} is not referenced from any task`);
  }
}

/** The data verify renders templates with: implicits hold their own names, .Params the defaults, .Pipes every plan's pipes. */
function verifyData(pkg: Package, r: VerifyResult): Record<string, unknown> | undefined {
  let params;
  try {
    params = templateParams(pkg.params.parameters.map(toOperatorVersionParameter), {});
  } catch (e) {
    r.errors.push((e as Error).message);
    return undefined;
  }
  const pipes: Record<string, string> = {};
  for (const [planName, plan] of Object.entries(pkg.operator.plans ?? {})) {
    try {
      Object.assign(pipes, planPipes('Name', planName, plan, pkg.operator.tasks ?? []));
    } catch (e) {
      r.errors.push((e as Error).message);
    }
  }
  const data: Record<string, unknown> = { Params: params, Pipes: pipes };
  for (const i of IMPLICITS) data[i] = i;
  return data;
}

function renderCheck(pkg: Package, uses: Map<string, TemplateUses>, data: Record<string, unknown>, r: VerifyResult): void {
  const parameterFiles = new Set((pkg.operator.tasks ?? []).filter((t) => t.kind === 'KudoOperator').map((t) => t.spec?.parameterFile));
  for (const name of sortedTemplates(pkg)) {
    if (uses.get(name)?.error) continue; // already reported as a parse error
    let text: string;
    try {
      text = renderTemplate(name, pkg.templates[name], data);
    } catch (e) {
      if (e instanceof RenderError) {
        r.errors.push(e.message);
        continue;
      }
      throw e;
    }
    if (parameterFiles.has(name)) continue;
    try {
      decodeObjects(text);
    } catch (e) {
      r.errors.push(`parsing rendered YAML from ${name} failed: ${(e as Error).message}`);
    }
  }
}

function namespaceChecks(pkg: Package, data: Record<string, unknown>, r: VerifyResult): void {
  const manifest = pkg.operator.namespaceManifest;
  for (const name of sortedTemplates(pkg)) {
    if (name !== manifest && /kind:\s*Namespace/.test(pkg.templates[name]))
      r.errors.push(`template ${goQuote(name)} contains 'kind: Namespace' not allowed unless specified as 'NamespaceManifest'`);
  }
  if (!manifest) return;
  const source = pkg.templates[manifest];
  if (source === undefined) {
    r.errors.push(`NamespaceManifest ${goQuote(manifest)} not found in /templates folder`);
    return;
  }
  let objects;
  try {
    // Beyond KUDO, which decodes the raw template: render it first, so a templated manifest is accepted.
    objects = decodeObjects(renderTemplate(manifest, source, data));
  } catch {
    r.errors.push(`Unable to marshal NamespaceManifest ${goQuote(manifest)} `);
    return;
  }
  if (objects.length === 0) r.errors.push(`NamespaceManifest ${goQuote(manifest)} found but does not contain a manifest`);
  else if (objects.length > 1) r.errors.push(`NamespaceManifest ${goQuote(manifest)} found but contains ${objects.length} manifests which is greater than 1`);
  else if (objects[0].kind !== 'Namespace') r.errors.push(`NamespaceManifest ${goQuote(manifest)} found but manifest is not kind: Namespace`);
}

/** Beyond KUDO: `apiVersion`/`kind` pairs in templates that current clusters no longer serve, with file and line. */
export function removedApiWarnings(pkg: Package): string[] {
  const out: string[] = [];
  for (const name of sortedTemplates(pkg)) {
    const lines = pkg.templates[name].split('\n');
    let apiVersion: { value: string; line: number } | undefined;
    let kind: string | undefined;
    const flush = (): void => {
      const removed = apiVersion && kind ? removedApi(apiVersion.value, kind) : undefined;
      if (removed && apiVersion) {
        out.push(
          `template ${goQuote(name)} line ${apiVersion.line}: ${removed.apiVersion} ${removed.kind} is no longer served since Kubernetes ${removed.removedIn}; ${removed.replacement ? `use ${removed.replacement}` : 'the kind was removed'}`,
        );
      }
      apiVersion = undefined;
      kind = undefined;
    };
    lines.forEach((line, i) => {
      if (/^---/.test(line)) flush();
      const av = /^apiVersion:\s*["']?([^\s"'#]+)/.exec(line);
      if (av) apiVersion = { value: av[1], line: i + 1 };
      const k = /^kind:\s*["']?([A-Za-z]+)/.exec(line);
      if (k) kind = k[1];
      if (apiVersion && kind) flush();
    });
  }
  return out;
}

/** Runs every verifier. `pkg.warnings` (unknown keys met while loading) come first among the warnings. */
export function verifyPackage(pkg: Package): VerifyResult {
  const r: VerifyResult = { errors: [], warnings: pkg.warnings.map(formatWarning) };
  duplicates(pkg, r);
  invalidChars(pkg, r);
  versions(pkg, r);
  taskBuild(pkg, r);
  taskReferences(pkg, r);
  planReferences(pkg, r);
  const uses = templateUses(pkg);
  parameterChecks(pkg, uses, r);
  templateReferences(pkg, r);
  const data = verifyData(pkg, r);
  if (data) {
    renderCheck(pkg, uses, data, r);
    namespaceChecks(pkg, data, r);
  }
  r.warnings.push(...removedApiWarnings(pkg));
  return r;
}

export const PARAM_CHECKS = ['display', 'hint', 'desc', 'type', 'hasgroup', 'groups', 'all'] as const;

const startsCapital = (s: string): boolean => /^\p{Lu}/u.test(s);

/** `--param-checks`: optional style warnings about parameter metadata. Throws on an unknown check name. */
export function parameterStyleWarnings(pkg: Package, checks: readonly string[]): string[] {
  for (const c of checks)
    if (!(PARAM_CHECKS as readonly string[]).includes(c)) throw new Error(`unknown parameter check: ${c}, must be one of [${PARAM_CHECKS.join(' ')}]`);
  const on = (c: string): boolean => checks.includes(c) || checks.includes('all');
  const out: string[] = [];
  const describe = (subject: string, displayName: string | undefined, description: string | undefined): void => {
    if (on('display')) {
      if (!displayName) out.push(`${subject} has no displayName`);
      else {
        if (displayName.endsWith(':')) out.push(`${subject} has a displayName ending with ':'`);
        if (!startsCapital(displayName)) out.push(`${subject} has a displayName that does not start with a capital letter`);
      }
    }
    if (on('desc')) {
      if (!description) out.push(`${subject} has no description`);
      else {
        if (!/[.!?)]$/.test(description.trimEnd())) out.push(`${subject} has a description not ending with one of '.!?)'`);
        if (!startsCapital(description)) out.push(`${subject} has a description that does not start with a capital letter`);
      }
    }
  };
  for (const p of pkg.params.parameters) {
    const subject = `parameter ${goQuote(p.name ?? '')}`;
    describe(subject, p.displayName, p.description);
    if (on('hint')) {
      if (!p.hint) out.push(`${subject} has no hint`);
      else if (!p.hint.endsWith('.')) out.push(`${subject} has a hint not ending with a '.'`);
    }
    if (on('hasgroup') && !p.group) out.push(`${subject} has no group`);
    if (on('type') && !p.type) out.push(`${subject} has no explicit type assigned`);
  }
  if (on('groups')) for (const g of pkg.params.groups ?? []) describe(`parameter group ${goQuote(g.name ?? '')}`, g.displayName, g.description);
  return out;
}
