import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { applyDefaults, DEFAULTS } from './builtin-defaults.js';
import { validateBuiltin } from './builtin-validation.js';
import { parseIp, validateAddress } from './endpointslice-validation.js';

const KEY = 'discovery.k8s.io/EndpointSlice';
type Any = Record<string, any>;

const slice = (fields: Any): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, ...fields }) as KubeObject;
const messages = (o: KubeObject, old?: KubeObject) => validateBuiltin(KEY, o, old).map((c) => `${c.field}: ${c.message}`);

test('a well-formed slice passes, with ports defaulted to name "" and TCP', () => {
  const o = slice({
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'node-1', hostname: 'web-0' }],
    ports: [{ port: 80 }, { name: 'https', port: 443, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }],
  });
  applyDefaults(o, DEFAULTS[KEY]);
  assert.deepEqual((o.ports as Any[])[0], { port: 80, name: '', protocol: 'TCP' });
  assert.deepEqual(messages(o), []);
});

test('addressType is required, one of FQDN, IPv4, IPv6, and immutable', () => {
  assert.deepEqual(messages(slice({})), ['addressType: Required value']);
  assert.deepEqual(messages(slice({ addressType: 'IP' })), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
  assert.deepEqual(messages(slice({ addressType: 'IPv6' }), slice({ addressType: 'IPv4' })), ['addressType: Invalid value: "IPv6": field is immutable']);
});

test('endpoints need 1..100 addresses of the slice type, and at most 1000 of them', () => {
  assert.deepEqual(messages(slice({ addressType: 'IPv4', endpoints: [{}] })), ['endpoints[0].addresses: Required value: must contain at least 1 address']);
  const many = Array.from({ length: 101 }, (_, i) => `10.0.0.${i + 1}`);
  assert.deepEqual(messages(slice({ addressType: 'IPv4', endpoints: [{ addresses: many }] })), [
    'endpoints[0].addresses: Too many: 101: must have at most 100 items',
  ]);
  const endpoints = Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] }));
  assert.deepEqual(messages(slice({ addressType: 'IPv4', endpoints })), ['endpoints: Too many: 1001: must have at most 1000 items']);
  assert.deepEqual(messages(slice({ addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }] })), [
    'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
  ]);
  assert.deepEqual(messages(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1', 'nope'] }] })), [
    'endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address',
    'endpoints[0].addresses[1]: Invalid value: "nope": must be a valid IPv6 address',
    'endpoints[0].addresses[1]: Invalid value: "nope": must be a valid IP address',
  ]);
});

test('special addresses are refused as endpoints', () => {
  const msgs = (a: string, type = 'IPv4') => validateAddress('a', a, type).map((c) => c.message);
  assert.deepEqual(msgs('0.0.0.0'), ['Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']);
  assert.deepEqual(msgs('127.0.0.1'), ['Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  assert.deepEqual(msgs('169.254.1.1'), ['Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
  assert.deepEqual(msgs('224.0.0.5'), ['Invalid value: "224.0.0.5": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']);
  assert.deepEqual(msgs('::1', 'IPv6'), ['Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  assert.deepEqual(msgs('fe80::1', 'IPv6'), ['Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
  assert.deepEqual(msgs('ff02::2', 'IPv6'), ['Invalid value: "ff02::2": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']);
  assert.deepEqual(msgs('10.1.2.3'), []);
  assert.deepEqual(msgs('2001:db8::1', 'IPv6'), []);
  // An IPv4-mapped IPv6 address is an IPv4 address, as Go parses it.
  assert.deepEqual(msgs('::ffff:10.1.2.3'), []);
  assert.deepEqual(parseIp('1:2::3:4'), [0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 4]);
  assert.equal(parseIp('256.1.1.1'), undefined);
});

test('FQDN addresses are domains of at least two labels', () => {
  const msgs = (a: string) => validateAddress('a', a, 'FQDN').map((c) => c.message);
  assert.deepEqual(msgs('example.com'), []);
  assert.deepEqual(msgs('example.com.'), []);
  assert.deepEqual(msgs('localhost'), ['Invalid value: "localhost": should be a domain with at least two segments separated by dots']);
  assert.match(msgs('Example.com')[0], /^Invalid value: "Example.com": a lowercase RFC 1123 subdomain must consist of/);
});

test('ports: names are DNS labels and unique, protocols TCP/UDP/SCTP, app protocols qualified names', () => {
  assert.deepEqual(
    messages(
      slice({
        addressType: 'IPv4',
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'http', port: 81, protocol: 'ICMP' },
          { name: 'Bad_Name', port: 82, protocol: 'UDP', appProtocol: 'a/b/c' },
        ],
      }),
    ),
    [
      'ports[1].name: Duplicate value: "http"',
      'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      "ports[2].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      "ports[2].appProtocol: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
  );
  const ports = Array.from({ length: 20001 }, (_, i) => ({ name: `p${i}`, port: 1, protocol: 'TCP' }));
  assert.deepEqual(messages(slice({ addressType: 'IPv4', ports })), ['ports: Too many: 20001: must have at most 20000 items']);
});

test('node names, host names and zone hints are checked; unchanged endpoints are not checked again', () => {
  const bad = slice({
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'Node_1', hostname: 'a.b', hints: { forZones: [{ name: 'z' }, { name: 'z' }] } }],
  });
  assert.deepEqual(
    validateBuiltin(KEY, bad, undefined).map((c) => c.field),
    ['endpoints[0].nodeName', 'endpoints[0].hostname', 'endpoints[0].hints.forZones[1].name'],
  );
  const stored = slice({ ...bad, metadata: { name: 's', labels: { a: 'b' } } });
  assert.deepEqual(messages(stored, bad), []);
});
