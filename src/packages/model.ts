/**
 * The in-memory form of an operator package: operator.yaml, params.yaml and the
 * templates, read from a map of file paths to contents (the io layer fills the map
 * from a folder or a tarball). Pure: no file system access here.
 */
import type { Maintainer, Plan, Task } from '../api/types.js';
import { KUDO_API_VERSION } from '../api/labels.js';
import { decode, PackageError, parseYaml, type RawValue, type Shape, type Warning } from './yaml.js';

export const OPERATOR_FILE = 'operator.yaml';
export const PARAMS_FILE = 'params.yaml';
export const TEMPLATES_DIR = 'templates';

export interface OperatorFile {
  apiVersion?: string;
  name?: string;
  description?: string;
  operatorVersion?: string;
  appVersion?: string;
  kudoVersion?: string;
  kubernetesVersion?: string;
  maintainers?: Maintainer[];
  url?: string;
  tasks?: Task[];
  plans?: Record<string, Plan>;
  namespaceManifest?: string;
}

export interface ParameterGroup {
  name?: string;
  displayName?: string;
  description?: string;
  prio?: string;
}

/** A parameter as written in params.yaml; `default` and `enum` keep their YAML values. */
export interface PackageParameter {
  name?: string;
  displayName?: string;
  description?: string;
  /** Defaults to true when omitted. */
  required: boolean;
  default?: RawValue;
  trigger?: string;
  type?: string;
  /** Defaults to false when omitted. */
  immutable: boolean;
  enum?: RawValue[];
  group?: string;
  advanced?: boolean;
  hint?: string;
}

export interface ParamsFile {
  apiVersion?: string;
  groups?: ParameterGroup[];
  parameters: PackageParameter[];
}

/** A loaded package. `files` holds every file of the package (for tarballs); templates are keyed by their path below templates/. */
export interface Package {
  operator: OperatorFile;
  params: ParamsFile;
  templates: Record<string, string>;
  /** Where it came from, for messages (a folder or a .tgz path). */
  source: string;
  warnings: Warning[];
}

// Shapes of the Go structs KUDO decodes package files into.
const taskSpecShape: Shape = {
  struct: {
    resources: { list: 'string' },
    wantErr: 'bool',
    fatal: 'bool',
    done: 'bool',
    pod: 'string',
    pipe: { list: { struct: { file: 'string', envFile: 'string', kind: 'string', key: 'string' } } },
    parameter: 'string',
    package: 'string',
    instanceName: 'string',
    appVersion: 'string',
    operatorVersion: 'string',
    parameterFile: 'string',
  },
};
const planShape: Shape = {
  struct: {
    strategy: 'string',
    phases: { list: { struct: { name: 'string', strategy: 'string', steps: { list: { struct: { name: 'string', tasks: { list: 'string' } } } } } } },
  },
};
const operatorShape: Shape = {
  struct: {
    apiVersion: 'string',
    name: 'string',
    description: 'string',
    operatorVersion: 'string',
    appVersion: 'string',
    kudoVersion: 'string',
    kubernetesVersion: 'string',
    maintainers: { list: { struct: { name: 'string', email: 'string' } } },
    url: 'string',
    tasks: { list: { struct: { name: 'string', kind: 'string', spec: taskSpecShape } } },
    plans: { map: planShape },
    namespaceManifest: 'string',
  },
};
const paramsShape: Shape = {
  struct: {
    apiVersion: 'string',
    groups: { list: { struct: { name: 'string', displayName: 'string', description: 'string', prio: 'string' } } },
    parameters: {
      list: {
        struct: {
          name: 'string',
          displayName: 'string',
          description: 'string',
          required: 'bool',
          default: 'any',
          trigger: 'string',
          type: 'string',
          immutable: 'bool',
          enum: { list: 'any' },
          group: 'string',
          advanced: 'bool',
          hint: 'string',
        },
      },
    },
  },
};

function decodeFile<T>(text: string, file: string, shape: Shape, warnings: Warning[]): T {
  const doc = parseYaml(text, file);
  if (doc.value !== null && (typeof doc.value !== 'object' || Array.isArray(doc.value))) {
    throw new PackageError(`expected a YAML map at the top level, got ${Array.isArray(doc.value) ? 'a list' : 'a scalar'}`, file, doc.lineOf([]));
  }
  const decoded = (decode(doc.value, shape, { file, doc, warnings }) ?? {}) as T & { apiVersion?: string };
  if (decoded.apiVersion && decoded.apiVersion !== KUDO_API_VERSION) {
    throw new PackageError(`expecting supported API version ${KUDO_API_VERSION} but got ${decoded.apiVersion}`, file, doc.lineOf(['apiVersion']));
  }
  return decoded;
}

/** Reads operator.yaml as KUDO does. */
export function parseOperatorFile(text: string, file = OPERATOR_FILE, warnings: Warning[] = []): OperatorFile {
  return decodeFile<OperatorFile>(text, file, operatorShape, warnings);
}

/** Reads params.yaml as KUDO does: `required` defaults to true, `immutable` to false, null `parameters` means none. */
export function parseParamsFile(text: string, file = PARAMS_FILE, warnings: Warning[] = []): ParamsFile {
  const raw = decodeFile<{ apiVersion?: string; groups?: ParameterGroup[]; parameters?: Partial<PackageParameter>[] }>(text, file, paramsShape, warnings);
  return {
    ...raw,
    parameters: (raw.parameters ?? []).map((p) => ({ ...p, required: p.required ?? true, immutable: p.immutable ?? false })),
  };
}

/** KUDO's rule: any file below templates/ whose name contains ".yaml" (an unanchored match, so x.yaml.bak counts too). */
export function templateKey(path: string): string | undefined {
  if (!path.startsWith(`${TEMPLATES_DIR}/`)) return undefined;
  const key = path.slice(TEMPLATES_DIR.length + 1);
  const base = key.slice(key.lastIndexOf('/') + 1);
  return /\.yaml/.test(base) ? key : undefined;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function text(content: string | Uint8Array, file: string): string {
  if (typeof content === 'string') return content;
  try {
    return decoder.decode(content);
  } catch {
    throw new PackageError('file is not valid UTF-8 text', file);
  }
}

/**
 * Builds a Package from its files (paths relative to the package root, '/'-separated).
 * Throws PackageError for a missing or malformed operator.yaml/params.yaml.
 */
export function parsePackage(files: ReadonlyMap<string, string | Uint8Array>, source: string): Package {
  const warnings: Warning[] = [];
  const opContent = files.get(OPERATOR_FILE);
  if (opContent === undefined) throw new PackageError(`operator package missing ${OPERATOR_FILE} in ${source}`);
  const paramsContent = files.get(PARAMS_FILE);
  if (paramsContent === undefined) throw new PackageError(`operator package missing ${PARAMS_FILE} in ${source}`);
  const operator = parseOperatorFile(text(opContent, OPERATOR_FILE), OPERATOR_FILE, warnings);
  const params = parseParamsFile(text(paramsContent, PARAMS_FILE), PARAMS_FILE, warnings);
  const templates: Record<string, string> = {};
  for (const path of [...files.keys()].sort()) {
    const key = templateKey(path);
    if (key !== undefined) templates[key] = text(files.get(path)!, path);
  }
  return { operator, params, templates, source, warnings };
}
