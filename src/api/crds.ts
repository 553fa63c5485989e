/**
 * The three KUDO CustomResourceDefinitions (apiextensions.k8s.io/v1), built from
 * one schema description so the CRDs and the validation in tests never drift apart.
 */
import type { KubeObject } from '../k8s/object.js';
import { KUDO_GROUP, KUDO_VERSION } from './labels.js';

/** A structural OpenAPI v3 schema, the subset CRDs use. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'boolean' | 'integer' | 'number';
  description?: string;
  format?: string;
  nullable?: boolean;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

// Small builders: the whole schema reads like the Go structs it mirrors.
const str = (description?: string): JSONSchemaProps => ({ type: 'string', ...(description ? { description } : {}) });
const bool = (): JSONSchemaProps => ({ type: 'boolean' });
const obj = (properties: Record<string, JSONSchemaProps>, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'object', properties, ...extra });
const arr = (items: JSONSchemaProps, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'array', items, ...extra });
const mapOf = (values: JSONSchemaProps, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'object', additionalProperties: values, ...extra });
const nullable = (s: JSONSchemaProps): JSONSchemaProps => ({ ...s, nullable: true });

const objectReference = obj({
  apiVersion: str(),
  fieldPath: str(),
  kind: str(),
  name: str(),
  namespace: str(),
  resourceVersion: str(),
  uid: str(),
});

const typeMeta = { apiVersion: str('API version of this object.'), kind: str('Kind of this object.'), metadata: { type: 'object' } as JSONSchemaProps };

const maintainer = obj({ email: str('Contact address of the maintainer.'), name: str('Person or organisation.') });

export const operatorSchema: JSONSchemaProps = obj(
  {
    ...typeMeta,
    spec: obj({
      description: str(),
      kubernetesVersion: str(),
      kudoVersion: str(),
      maintainers: arr(maintainer),
      namespaceManifest: str('Template used by install --create-namespace.'),
      url: str(),
    }),
    status: obj({}),
  },
  { description: 'An operator package: the name every OperatorVersion belongs to.' },
);

const pipeSpec = obj({ envFile: str(), file: str(), key: str(), kind: str() });
const taskSpec = obj({
  appVersion: str(),
  done: bool(),
  fatal: bool(),
  instanceName: str(),
  operatorVersion: str(),
  package: str(),
  parameter: str(),
  parameterFile: str(),
  pipe: nullable(arr(pipeSpec)),
  pod: str(),
  resources: nullable(arr(str())),
  wantErr: bool(),
});
const step = obj({ name: str(), tasks: arr(str()) });
const phase = obj({ name: str(), steps: arr(step), strategy: str('serial or parallel.') });
const plan = obj({ phases: nullable(arr(phase)), strategy: str('serial or parallel.') });
const parameter = obj({
  default: str('Default value, always a string (array and map values as YAML).'),
  description: str(),
  displayName: str(),
  enum: arr(str()),
  immutable: bool(),
  name: str(),
  required: bool(),
  trigger: str('Plan run when the parameter changes.'),
  'value-type': str('string (default), integer, number, boolean, array or map.'),
});

export const operatorVersionSchema: JSONSchemaProps = obj(
  {
    ...typeMeta,
    spec: obj({
      appVersion: str(),
      connectionString: str(),
      operator: objectReference,
      parameters: arr(parameter),
      plans: nullable(mapOf(plan)),
      tasks: arr(obj({ kind: str(), name: str(), spec: taskSpec })),
      templates: mapOf(str()),
      upgradableFrom: arr(objectReference),
      version: str(),
    }),
    status: obj({}),
  },
  { description: 'One version of an operator: templates, tasks, plans and parameters.' },
);

const executionStatus = str('NEVER_RUN, PENDING, IN_PROGRESS, COMPLETE, ERROR or FATAL_ERROR.');
const condition = obj(
  {
    lastTransitionTime: { type: 'string', format: 'date-time' },
    message: { type: 'string', maxLength: 32768 },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    reason: { type: 'string', maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    type: {
      type: 'string',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
  },
  { required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'] },
);
const stepStatus = obj({ message: str(), name: str(), status: executionStatus });
const phaseStatus = obj({ message: str(), name: str(), status: executionStatus, steps: arr(stepStatus) });
const planStatus = obj({
  lastUpdatedTimestamp: { type: 'string', format: 'date-time', nullable: true },
  message: str(),
  name: str(),
  phases: arr(phaseStatus),
  status: executionStatus,
  uid: str(),
});

export const instanceSchema: JSONSchemaProps = obj(
  {
    ...typeMeta,
    spec: obj({
      operatorVersion: objectReference,
      parameters: mapOf(str()),
      planExecution: obj({ planName: str(), status: executionStatus, uid: str() }),
    }),
    status: obj({ conditions: arr(condition), planStatus: mapOf(planStatus) }),
  },
  { description: 'A running copy of an OperatorVersion with its parameter values and plan status.' },
);

function crd(kind: string, plural: string, schema: JSONSchemaProps, statusSubresource: boolean): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${KUDO_GROUP}` },
    spec: {
      group: KUDO_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: 'Namespaced',
      versions: [
        {
          name: KUDO_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuredClone(schema) },
          ...(statusSubresource ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

/** The CRDs in the order KUDO installs them: Operator, OperatorVersion, Instance. Only Instance has a status subresource. */
export function kudoCRDs(): KubeObject[] {
  return [
    crd('Operator', 'operators', operatorSchema, false),
    crd('OperatorVersion', 'operatorversions', operatorVersionSchema, false),
    crd('Instance', 'instances', instanceSchema, true),
  ];
}
