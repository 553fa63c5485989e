/**
 * `npm run demo`: renders an example KUDO-style template with the Go
 * text/template engine and KUDO's function map, and prints the result.
 * (A stand-in main job until the CLI exists.)
 */
import { TemplateError, TemplateSet, fromJSON } from '../src/templates/index.js';
import { kudoFuncs } from '../src/templates/kudo-funcs.js';

const template = `{{- define "labels" }}
    app: {{ .OperatorName }}
    instance: {{ .Name }}
{{- end -}}
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Name }}-node
  namespace: {{ .Namespace }}
  labels:
  {{- template "labels" . }}
spec:
  replicas: {{ .Params.NODE_COUNT | int }}
  template:
    spec:
      containers:
        - name: node
          image: "{{ .Params.IMAGE }}:{{ .AppVersion }}"
          resources:
            requests:
              memory: {{ .Params.NODE_MEM_MIB }}Mi
          env:
          {{- range $i, $dc := .Params.DATACENTERS }}
            - name: DC_{{ $i }}
              value: {{ $dc.name | upper | quote }}
          {{- end }}
          {{- if eq .Params.TLS_ENABLED "true" }}
            - name: TLS
              value: "on"
          {{- end }}
`;

const data = fromJSON({
  OperatorName: 'cassandra',
  Name: 'cassandra-demo',
  Namespace: 'default',
  AppVersion: '3.11.6',
  OperatorVersion: '1.0.1',
  PlanName: 'deploy',
  PhaseName: 'nodes',
  StepName: 'node',
  Params: { NODE_COUNT: '3', IMAGE: 'cassandra', NODE_MEM_MIB: '4096', TLS_ENABLED: 'true', DATACENTERS: [{ name: 'dc1' }, { name: 'dc2' }] },
  Pipes: {},
});

try {
  const set = new TemplateSet({ funcs: kudoFuncs, missingKey: 'error' });
  set.parse('statefulset.yaml', template);
  process.stdout.write(set.execute('statefulset.yaml', data));
} catch (e) {
  if (!(e instanceof TemplateError)) throw e;
  console.error(e.message);
  process.exitCode = 1;
}
