/**
 * Validation of discovery.k8s.io/v1 EndpointSlices as kube-apiserver 1.33 does it: the address
 * type (required, one of three, immutable), the ports (names, protocols, at most 20000) and the
 * endpoints (at most 1000, each with 1..100 addresses of the slice's type, node names, host
 * names, zone hints), with Kubernetes' messages.
 */
import { isIPv6 } from 'node:net';
import { isDns1123Label, isDns1123Subdomain, isLabelKey, isLabelValue } from '../../k8s/validation.js';
import { fieldInvalid, fieldNotSupported, fieldRequired, type Cause } from '../apiserver/errors.js';

type Any = Record<string, any>;

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
// Raised from 100 (the API documentation still says 100); validation allows this many.
const MAX_PORTS = 20000;
const MAX_ZONE_HINTS = 8;

const tooMany = (field: string, actual: number, max: number): Cause => ({
  reason: 'FieldValueTooMany',
  field,
  message: `Too many: ${actual}: must have at most ${max} items`,
});
const duplicate = (field: string, value: string): Cause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(value)}` });

/** The checks of one EndpointSlice write (`old` on update). */
export function validateEndpointSlice(o: Any, old: Any | undefined): Cause[] {
  const out: Cause[] = [];
  const type = o.addressType;
  if (type === undefined || type === null || type === '') out.push(fieldRequired('addressType', ''));
  else if (!ADDRESS_TYPES.includes(type)) out.push(fieldNotSupported('addressType', type, ADDRESS_TYPES));
  out.push(...validatePorts(o.ports));
  // Unchanged endpoints are not checked again (they may predate stricter IP rules).
  if (!old || JSON.stringify(old.endpoints ?? null) !== JSON.stringify(o.endpoints ?? null)) out.push(...validateEndpoints(o.endpoints, type));
  if (old && old.addressType !== type) out.push(fieldInvalid('addressType', type ?? '', 'field is immutable'));
  return out;
}

function validatePorts(ports: unknown): Cause[] {
  if (!Array.isArray(ports)) return [];
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const out: Cause[] = [];
  const names = new Set<string>();
  ports.forEach((p: Any, i) => {
    const f = `ports[${i}]`;
    const name = typeof p?.name === 'string' ? p.name : '';
    if (name) for (const msg of isDns1123Label(name)) out.push(fieldInvalid(`${f}.name`, name, msg));
    if (names.has(name)) out.push(duplicate(`${f}.name`, name));
    names.add(name);
    if (p?.protocol === undefined || p?.protocol === null) out.push(fieldRequired(`${f}.protocol`, ''));
    else if (!PROTOCOLS.includes(p.protocol)) out.push(fieldNotSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
    if (typeof p?.appProtocol === 'string') for (const msg of qualifiedName(p.appProtocol)) out.push(fieldInvalid(`${f}.appProtocol`, p.appProtocol, msg));
  });
  return out;
}

function validateEndpoints(endpoints: unknown, type: string): Cause[] {
  if (!Array.isArray(endpoints)) return [];
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const out: Cause[] = [];
  endpoints.forEach((e: Any, i) => {
    const f = `endpoints[${i}]`;
    const addresses: unknown[] = Array.isArray(e?.addresses) ? e.addresses : [];
    if (!addresses.length) out.push(fieldRequired(`${f}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) out.push(tooMany(`${f}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => out.push(...validateAddress(`${f}.addresses[${j}]`, String(a), type)));
    if (typeof e?.nodeName === 'string') for (const msg of isDns1123Subdomain(e.nodeName)) out.push(fieldInvalid(`${f}.nodeName`, e.nodeName, msg));
    out.push(...validateTopology(e?.deprecatedTopology, `${f}.deprecatedTopology`));
    if (typeof e?.hostname === 'string') for (const msg of isDns1123Label(e.hostname)) out.push(fieldInvalid(`${f}.hostname`, e.hostname, msg));
    if (e?.hints && typeof e.hints === 'object') out.push(...validateHints(e.hints, `${f}.hints`));
  });
  return out;
}

/** An address of the slice's type; unknown types are not checked (the type itself is refused). */
export function validateAddress(field: string, address: string, type: string): Cause[] {
  if (type === 'FQDN') return fqdn(field, address);
  if (type !== 'IPv4' && type !== 'IPv6') return [];
  const bytes = parseIp(address);
  const v4 = bytes !== undefined && isV4(bytes);
  const out: Cause[] = [];
  if (type === 'IPv4' && !v4) out.push(fieldInvalid(field, address, 'must be a valid IPv4 address'));
  if (type === 'IPv6' && (bytes === undefined || v4)) out.push(fieldInvalid(field, address, 'must be a valid IPv6 address'));
  out.push(...specialIp(field, address, bytes));
  return out;
}

/** Addresses that make no sense as an endpoint: unspecified, loopback, link-local. */
function specialIp(field: string, address: string, bytes: number[] | undefined): Cause[] {
  if (!bytes) return [fieldInvalid(field, address, 'must be a valid IP address')];
  const out: Cause[] = [];
  const v4 = isV4(bytes) ? bytes.slice(12) : undefined;
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (v4 ? v4.every((b) => b === 0) : zero(0, 16)) out.push(fieldInvalid(field, address, `may not be unspecified (${address})`));
  if (v4 ? v4[0] === 127 : zero(0, 15) && bytes[15] === 1) out.push(fieldInvalid(field, address, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (v4 ? v4[0] === 169 && v4[1] === 254 : bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80)
    out.push(fieldInvalid(field, address, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : bytes[0] === 0xff && (bytes[1] & 0x0f) === 0x02)
    out.push(fieldInvalid(field, address, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return out;
}

const V4_IN_V6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const isV4 = (bytes: number[]) => V4_IN_V6.every((b, i) => bytes[i] === b);

/** An IP address as 16 bytes (IPv4 mapped into IPv6, as Go keeps it); leading zeros in IPv4 parts are accepted. */
export function parseIp(s: string): number[] | undefined {
  const v4 = parseV4(s);
  if (v4) return [...V4_IN_V6, ...v4];
  if (s.includes('%') || !isIPv6(s)) return undefined;
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseV4(text.slice(lastColon + 1)) ?? [];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(rest);
  const words = rest === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function fqdn(field: string, address: string): Cause[] {
  if (!address) return [fieldRequired(field, '')];
  const name = address.endsWith('.') ? address.slice(0, -1) : address;
  const errs = isDns1123Subdomain(name);
  if (errs.length) return [fieldInvalid(field, name, errs.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [fieldInvalid(field, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const labelErrs = isDns1123Label(label);
    if (labelErrs.length) return [fieldInvalid(field, label, labelErrs.join(','))];
  }
  return [];
}

/** IsQualifiedName: a label key's rules, worded for a qualified name. */
function qualifiedName(value: string): string[] {
  return isLabelKey(value).map((m) => m.replace(/^a valid label key /, 'a qualified name '));
}

function validateTopology(topology: unknown, field: string): Cause[] {
  if (!topology || typeof topology !== 'object') return [];
  const entries = Object.entries(topology as Record<string, unknown>);
  const out: Cause[] = entries.length > 16 ? [tooMany(field, entries.length, 16)] : [];
  for (const [k, v] of entries) {
    for (const msg of qualifiedName(k)) out.push(fieldInvalid(field, k, msg));
    for (const msg of isLabelValue(String(v))) out.push(fieldInvalid(field, v, msg));
  }
  return out;
}

function validateHints(hints: Any, field: string): Cause[] {
  const zones: Any[] = Array.isArray(hints.forZones) ? hints.forZones : [];
  if (zones.length > MAX_ZONE_HINTS) return [tooMany(`${field}.forZones`, zones.length, MAX_ZONE_HINTS)];
  const out: Cause[] = [];
  const seen = new Set<string>();
  zones.forEach((z, i) => {
    const f = `${field}.forZones[${i}].name`;
    const name = typeof z?.name === 'string' ? z.name : '';
    if (seen.has(name)) out.push(duplicate(f, name));
    seen.add(name);
    for (const msg of isLabelValue(name)) out.push(fieldInvalid(f, name, msg));
  });
  return out;
}
