/**
 * Differential scenarios: YAML files with a list of steps run against both servers.
 *
 *   description: what the scenario covers
 *   pending: why it cannot run yet            (optional: the scenario is listed, not run)
 *   kubectl: kubectl.1.31                      (optional: the kubectl binary both sides use)
 *   files: {name.yaml: "text"}                 (written into the work folder kubectl runs in)
 *   steps:
 *   - request: POST /api/v1/namespaces/default/configmaps
 *     headers: {Content-Type: application/yaml}   (default Content-Type: application/json)
 *     body: {...}            a value sent as JSON   | bodyText: raw text | bodySize: N bytes of "a"
 *                            | bodyBase64: raw bytes (for bodies that are not UTF-8)
 *     as: alice              the user (see servers.ts USERS; default admin)
 *     save: {rv: .metadata.resourceVersion}   values of the answer kept per side as ${rv}
 *     until: {status: 404} | {path: .status.phase, equals: Active} | {path: .x, absent: true}
 *     timeout: 30            seconds `until` may poll
 *   - kubectl: get cm -o yaml      (bash: `kubectl ARGS` in the work folder; stdin: "text" optional)
 *   - watch: /api/v1/namespaces/default/configmaps?resourceVersion=${rv}
 *     for: 1.5               seconds to collect events (default 1); with `id:` it runs in the
 *                            background until a later `collect: ID` step
 *   - sleep: 0.5
 *   - webhookCalls: true     the AdmissionReview requests the scenario's webhook server received
 *
 * Every step may carry `expectDifference: {reason, paths?}` (or a list of them): the named
 * paths of the step's result may differ (all of it without paths), for the reason given,
 * which names the Kubernetes version that changed the behaviour.
 */
import { parse } from 'yaml';

export interface Until {
  status?: number;
  path?: string;
  equals?: unknown;
  absent?: boolean;
}

export interface ExpectedDifference {
  reason: string;
  paths?: string[];
}

interface BaseStep {
  /** 1-based index in the file, for messages. */
  index: number;
  title: string;
  as?: string;
  expect: ExpectedDifference[];
}

export interface RequestStep extends BaseStep {
  kind: 'request';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  save: Record<string, string>;
  until?: Until;
  timeout: number;
}

export interface KubectlStep extends BaseStep {
  kind: 'kubectl';
  args: string;
  stdin?: string;
  until?: { exit?: number; contains?: string };
  timeout: number;
}

export interface WatchStep extends BaseStep {
  kind: 'watch';
  path: string;
  seconds: number;
  id?: string;
}

export interface CollectStep extends BaseStep {
  kind: 'collect';
  id: string;
}

export interface SleepStep extends BaseStep {
  kind: 'sleep';
  seconds: number;
}

export interface WebhookCallsStep extends BaseStep {
  kind: 'webhookCalls';
}

export type Step = RequestStep | KubectlStep | WatchStep | CollectStep | SleepStep | WebhookCallsStep;

export interface Scenario {
  file: string;
  description: string;
  pending?: string;
  kubectl?: string;
  files: Record<string, string>;
  steps: Step[];
}

export class ScenarioError extends Error {}

const STEP_KEYS = new Set([
  'request',
  'headers',
  'body',
  'bodyText',
  'bodySize',
  'bodyBase64',
  'as',
  'save',
  'until',
  'timeout',
  'kubectl',
  'stdin',
  'watch',
  'for',
  'id',
  'collect',
  'sleep',
  'webhookCalls',
  'expectDifference',
  'name',
]);

export function parseScenario(text: string, file: string): Scenario {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new ScenarioError(`${file}: a scenario is a mapping with description and steps`);
  for (const k of Object.keys(doc))
    if (!['description', 'pending', 'kubectl', 'files', 'steps'].includes(k)) throw new ScenarioError(`${file}: unknown top-level field "${k}"`);
  if (!Array.isArray(doc.steps) || doc.steps.length === 0) throw new ScenarioError(`${file}: "steps" must be a non-empty list`);
  const files: Record<string, string> = {};
  if (doc.files !== undefined) {
    if (!isObject(doc.files)) throw new ScenarioError(`${file}: "files" must map file names to their text`);
    for (const [name, body] of Object.entries(doc.files)) {
      if (typeof body !== 'string' || name.includes('/')) throw new ScenarioError(`${file}: files.${name} must be text with a plain file name`);
      files[name] = body;
    }
  }
  const ids = new Set<string>();
  const steps = doc.steps.map((raw, i) => {
    const step = parseStep(raw, `${file}: step ${i + 1}`, i + 1, ids);
    if (isObject(raw) && typeof raw.name === 'string') step.title = raw.name;
    return step;
  });
  return {
    file,
    description: str(doc.description, `${file}: description`) ?? '',
    pending: str(doc.pending, `${file}: pending`),
    kubectl: str(doc.kubectl, `${file}: kubectl`),
    files,
    steps,
  };
}

function parseStep(raw: unknown, where: string, index: number, ids: Set<string>): Step {
  if (!isObject(raw)) throw new ScenarioError(`${where}: a step is a mapping`);
  for (const k of Object.keys(raw)) if (!STEP_KEYS.has(k)) throw new ScenarioError(`${where}: unknown field "${k}"`);
  const expect = parseExpect(raw.expectDifference, where);
  const as = str(raw.as, `${where}: as`);
  const timeout = num(raw.timeout, `${where}: timeout`) ?? 30;
  const base = { index, as, expect };
  if (raw.request !== undefined) {
    const m = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/\S*)$/.exec(String(raw.request));
    if (!m) throw new ScenarioError(`${where}: request must be "METHOD /path", got ${JSON.stringify(raw.request)}`);
    const headers: Record<string, string> = {};
    if (raw.headers !== undefined) {
      if (!isObject(raw.headers)) throw new ScenarioError(`${where}: headers must be a mapping`);
      for (const [k, v] of Object.entries(raw.headers)) headers[k] = String(v);
    }
    const bodies = ['body', 'bodyText', 'bodySize', 'bodyBase64'].filter((k) => raw[k] !== undefined);
    if (bodies.length > 1) throw new ScenarioError(`${where}: give only one of ${bodies.join(', ')}`);
    let body: string | Uint8Array | undefined;
    if (raw.body !== undefined) body = JSON.stringify(raw.body);
    if (raw.bodyText !== undefined) body = str(raw.bodyText, `${where}: bodyText`);
    if (raw.bodySize !== undefined) body = 'a'.repeat(num(raw.bodySize, `${where}: bodySize`) ?? 0);
    if (raw.bodyBase64 !== undefined) body = Buffer.from(str(raw.bodyBase64, `${where}: bodyBase64`) ?? '', 'base64');
    const save: Record<string, string> = {};
    if (raw.save !== undefined) {
      if (!isObject(raw.save)) throw new ScenarioError(`${where}: save must map variable names to paths`);
      for (const [k, v] of Object.entries(raw.save)) save[k] = String(v);
    }
    let until: Until | undefined;
    if (raw.until !== undefined) {
      if (!isObject(raw.until)) throw new ScenarioError(`${where}: until must be a mapping`);
      until = { status: num(raw.until.status, `${where}: until.status`), path: str(raw.until.path, `${where}: until.path`) };
      if ('equals' in raw.until) until.equals = raw.until.equals;
      if (raw.until.absent === true) until.absent = true;
      if (until.status === undefined && until.path === undefined) throw new ScenarioError(`${where}: until needs status or path`);
    }
    return { ...base, kind: 'request', title: `${m[1]} ${m[2]}`, method: m[1], path: m[2], headers, body, save, until, timeout };
  }
  if (raw.kubectl !== undefined) {
    const args = str(raw.kubectl, `${where}: kubectl`)!;
    let until: KubectlStep['until'];
    if (raw.until !== undefined) {
      if (!isObject(raw.until)) throw new ScenarioError(`${where}: until must be a mapping`);
      until = { exit: num(raw.until.exit, `${where}: until.exit`), contains: str(raw.until.contains, `${where}: until.contains`) };
    }
    return { ...base, kind: 'kubectl', title: `kubectl ${args}`, args, stdin: str(raw.stdin, `${where}: stdin`), until, timeout };
  }
  if (raw.watch !== undefined) {
    const path = str(raw.watch, `${where}: watch`)!;
    const id = str(raw.id, `${where}: id`);
    if (id) ids.add(id);
    return { ...base, kind: 'watch', title: `watch ${path}`, path, seconds: num(raw.for, `${where}: for`) ?? 1, id };
  }
  if (raw.collect !== undefined) {
    const id = str(raw.collect, `${where}: collect`)!;
    if (!ids.has(id)) throw new ScenarioError(`${where}: collect ${id}: no earlier watch step has id ${id}`);
    return { ...base, kind: 'collect', title: `collect watch ${id}`, id };
  }
  if (raw.sleep !== undefined) return { ...base, kind: 'sleep', title: `sleep ${raw.sleep}`, seconds: num(raw.sleep, `${where}: sleep`)! };
  if (raw.webhookCalls !== undefined) return { ...base, kind: 'webhookCalls', title: 'webhook calls' };
  throw new ScenarioError(`${where}: a step needs one of request, kubectl, watch, collect, sleep, webhookCalls`);
}

function parseExpect(raw: unknown, where: string): ExpectedDifference[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((e) => {
    if (!isObject(e) || typeof e.reason !== 'string' || !e.reason.trim())
      throw new ScenarioError(`${where}: expectDifference needs a reason naming the Kubernetes version that changed the behaviour`);
    if (e.paths !== undefined && (!Array.isArray(e.paths) || e.paths.some((p) => typeof p !== 'string')))
      throw new ScenarioError(`${where}: expectDifference.paths must be a list of paths`);
    return { reason: e.reason, paths: e.paths as string[] | undefined };
  });
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ScenarioError(`${where} must be text`);
  return String(v);
}

function num(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ScenarioError(`${where} must be a non-negative number`);
  return v;
}
