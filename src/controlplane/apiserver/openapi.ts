/**
 * OpenAPI v3 documents: the index at /openapi/v3 and one document per group-version with
 * the operations kubectl looks for (PATCH with `fieldValidation`, tagged with the GVK) and
 * component schemas built from the Go field table (for `kubectl explain`) or a CRD's schema.
 */
import { createHash } from 'node:crypto';
import { isScalarType, messageSchema, schemaFor, type FieldInfo } from '../../k8s/schema/index.js';
import { apiVersionOf, type Registry, type ResourceType } from './registry.js';

type Schema = Record<string, unknown>;

export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export class OpenApi {
  private cache = new Map<string, { body: string; hash: string }>();
  private cachedAt = -1;

  constructor(private readonly reg: Registry) {}

  private refresh(): void {
    if (this.cachedAt === this.reg.generation) return;
    this.cache.clear();
    this.cachedAt = this.reg.generation;
  }

  /** The document of a group-version path (`apis/apps/v1`) and its hash, or undefined. */
  document(path: string): { body: string; hash: string } | undefined {
    this.refresh();
    const hit = this.cache.get(path);
    if (hit) return hit;
    const gv = this.reg
      .groups()
      .flatMap((g) => g.versions.map((v) => ({ group: g.group, version: v })))
      .find((x) => gvPath(x.group, x.version) === path);
    if (!gv) return undefined;
    const body = JSON.stringify(buildDocument(this.reg.resourcesOf(gv.group, gv.version)));
    const doc = { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase() };
    this.cache.set(path, doc);
    return doc;
  }

  index(): Record<string, unknown> {
    const paths: Record<string, unknown> = {};
    for (const g of this.reg.groups())
      for (const v of g.versions) {
        const p = gvPath(g.group, v);
        paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${this.document(p)!.hash}` };
      }
    return { paths };
  }
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** `apps.v1.Deployment` → `io.k8s.api.apps.v1.Deployment`, as Kubernetes names its definitions. */
function definitionName(message: string): string {
  if (message.startsWith('meta.v1.')) return `${META}.${message.slice(8)}`;
  if (message.startsWith('resource.')) return `io.k8s.apimachinery.pkg.api.resource.${message.slice(9)}`;
  if (message.startsWith('intstr.')) return `io.k8s.apimachinery.pkg.util.intstr.${message.slice(7)}`;
  if (message.startsWith('runtime.')) return `io.k8s.apimachinery.pkg.runtime.${message.slice(8)}`;
  return `io.k8s.api.${message}`;
}

const SCALARS: Record<string, Schema> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  uint32: { type: 'integer', format: 'int32' },
  uint64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'double' },
  bytes: { type: 'string', format: 'byte' },
  'meta.v1.Time': { type: 'string', format: 'date-time' },
  'meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'meta.v1.Duration': { type: 'string' },
  'resource.Quantity': { type: 'string', description: 'Quantity is a fixed-point representation of a number.' },
  'intstr.IntOrString': { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
};

function fieldSchema(f: FieldInfo, need: (message: string) => void): Schema {
  const element = (): Schema => {
    if (isScalarType(f.type)) return { ...(SCALARS[f.type] ?? { type: 'string' }) };
    need(f.type);
    return { allOf: [{ $ref: `#/components/schemas/${definitionName(f.type)}` }] };
  };
  let s: Schema;
  if (f.goKind === 'slice' && f.type !== 'bytes') s = { type: 'array', items: element() };
  else if (f.goKind === 'map') s = { type: 'object', additionalProperties: element() };
  else s = element();
  if (f.mergeKey) s['x-kubernetes-patch-merge-key'] = f.mergeKey;
  if (f.patchStrategies.length) s['x-kubernetes-patch-strategy'] = f.patchStrategies.join(',');
  return s;
}

function messageDefinitions(roots: string[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const queue = [...roots];
  const seen = new Set(queue);
  const need = (m: string) => {
    if (!seen.has(m)) {
      seen.add(m);
      queue.push(m);
    }
  };
  while (queue.length) {
    const name = queue.shift()!;
    const msg = messageSchema(name);
    if (!msg) continue;
    const properties: Record<string, Schema> = {};
    for (const f of msg.fields.values()) properties[f.name] = fieldSchema(f, need);
    out[definitionName(name)] = { type: 'object', properties };
  }
  return out;
}

function operation(t: ResourceType, action: string, params: Schema[], extra: Schema = {}): Schema {
  return {
    operationId: `${action}${t.kind}`,
    parameters: params,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(t)}` } } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
    ...extra,
  };
}

function schemaName(t: ResourceType): string {
  const msg = !t.custom ? schemaFor(apiVersionOf(t), t.kind) : undefined;
  if (msg) return definitionName(msg.name);
  const groupParts = t.group.split('.').reverse().join('.');
  return `${groupParts}.${t.version}.${t.kind}`;
}

const q = (name: string, type = 'string'): Schema => ({ name, in: 'query', schema: { type, uniqueItems: true } });
const pathParam = (name: string): Schema => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });

function buildDocument(types: ResourceType[]): Schema {
  const paths: Record<string, Schema> = {};
  const schemas: Record<string, Schema> = {};
  const roots: string[] = [];
  for (const t of types) {
    const prefix = `/${gvPath(t.group, t.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}`;
    const scopeParams = t.namespaced ? [pathParam('namespace')] : [];
    const itemParams = [...scopeParams, pathParam('name')];
    const writeParams = [q('dryRun'), q('fieldManager'), q('fieldValidation')];
    const body = (types: string[]) => ({ requestBody: { content: Object.fromEntries(types.map((c) => [c, { schema: { type: 'object' } }])), required: true } });
    const patchTypes = t.custom
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']
      : ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
    const collection: Schema = {};
    if (t.verbs.includes('list'))
      collection.get = operation(t, 'list', [
        ...scopeParams,
        q('labelSelector'),
        q('fieldSelector'),
        q('limit', 'integer'),
        q('continue'),
        q('watch', 'boolean'),
      ]);
    if (t.verbs.includes('create')) collection.post = operation(t, 'post', [...scopeParams, ...writeParams], body(['application/json', 'application/yaml']));
    if (t.verbs.includes('deletecollection')) collection.delete = operation(t, 'deletecollection', [...scopeParams, q('labelSelector'), q('fieldSelector')]);
    paths[prefix] = collection;
    const item: Schema = {};
    if (t.verbs.includes('get')) item.get = operation(t, 'get', itemParams);
    if (t.verbs.includes('update')) item.put = operation(t, 'put', [...itemParams, ...writeParams], body(['application/json', 'application/yaml']));
    if (t.verbs.includes('patch')) item.patch = operation(t, 'patch', [...itemParams, ...writeParams, q('force', 'boolean')], body(patchTypes));
    if (t.verbs.includes('delete'))
      item.delete = operation(t, 'delete', [...itemParams, q('dryRun'), q('propagationPolicy'), q('gracePeriodSeconds', 'integer')]);
    paths[`${prefix}/{name}`] = item;
    for (const s of t.subresources.filter((x) => x.name === 'status' || x.name === 'scale')) {
      const sub: Schema = {};
      sub.get = operation(t, 'get', itemParams);
      sub.put = operation(t, 'put', [...itemParams, ...writeParams], body(['application/json']));
      sub.patch = operation(t, 'patch', [...itemParams, ...writeParams, q('force', 'boolean')], body(patchTypes));
      paths[`${prefix}/{name}/${s.name}`] = sub;
    }
    const gvk = { 'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }] };
    const msg = !t.custom ? schemaFor(apiVersionOf(t), t.kind) : undefined;
    if (msg) {
      roots.push(msg.name);
    } else {
      schemas[schemaName(t)] = { ...customSchema(t), ...gvk };
    }
  }
  Object.assign(schemas, messageDefinitions(roots));
  for (const t of types) {
    const s = schemas[schemaName(t)];
    if (!s || t.custom) continue;
    const props = (s.properties ??= {}) as Record<string, Schema>;
    props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
    props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
    Object.assign(s, { 'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }] });
  }
  if (!schemas[`${META}.ObjectMeta`]) Object.assign(schemas, messageDefinitions(['meta.v1.ObjectMeta']));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.1' }, paths, components: { schemas } };
}

/** A custom resource's schema: the CRD's openAPIV3Schema with standard apiVersion/kind/metadata. */
function customSchema(t: ResourceType): Schema {
  const base = (t.schema ? structuredClone(t.schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Schema;
  const props = ((base.properties as Record<string, Schema> | undefined) ?? {}) as Record<string, Schema>;
  props.apiVersion ??= { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
  props.kind ??= { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
  props.metadata = { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], description: "Standard object's metadata." };
  base.properties = props;
  base.type ??= 'object';
  return base;
}
