/**
 * certificates.k8s.io/v1 CertificateSigningRequest: kube-apiserver's strategies for the main
 * resource and its `status` and `approval` subresources, the validation behind them, the
 * approve/sign checks of the CertificateApproval, CertificateSigning and
 * CertificateSubjectRestriction admission plugins, and the printer columns.
 */
import type { KubeObject } from '../../k8s/object.js';
import { isDns1123Label, isDns1123Subdomain } from '../../k8s/validation.js';
import { CertificateRequestError, parseCertificateRequestPem } from '../../crypto/pkcs10.js';
import { pemDecode } from '../../crypto/der.js';
import { X509Certificate } from 'node:crypto';
import { nowTimestamp } from './clock.js';
import { fieldForbidden, fieldInvalid, fieldNotSupported, fieldRequired, forbidden, type Cause } from './errors.js';
import type { ResourceHooks, TableColumn, WriteContext } from './registry.js';
import { ageColumn, humanDuration } from './table.js';

type Any = Record<string, any>;

export const CSR_GROUP = 'certificates.k8s.io';
export const SIGNERS = {
  apiServerClient: 'kubernetes.io/kube-apiserver-client',
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
  legacyUnknown: 'kubernetes.io/legacy-unknown',
};

/** Every usage a v1 request may name, sorted as Go's sets.List() prints them. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
].sort();

/** Who is asking, and whether they may do something: what the user-dependent parts need. */
export interface CsrIdentity {
  currentUser(): { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> } | undefined;
  /** Whether the current user may `verb` the `signers` resource named `name` in certificates.k8s.io. */
  mayOnSigner(verb: string, name: string): boolean;
}

export interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export const conditionsOf = (o: Any | undefined): Condition[] => (o?.status?.conditions as Condition[] | undefined) ?? [];
const hasCondition = (o: Any, type: string) => conditionsOf(o).some((c) => c.type === type);

/** The bytes spec.request stands for (JSON carries them base64-encoded). */
export function requestText(o: Any): string {
  const b64 = o.spec?.request;
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('latin1') : '';
}

/** Go's %#v of a []byte: `[]byte{0x2d, 0x2d}`. */
function goBytes(text: string): string {
  return `[]byte{${[...Buffer.from(text, 'latin1')].map((b) => `0x${b.toString(16)}`).join(', ')}}`;
}

// ---- validation (pkg/apis/certificates/validation) ----

interface Options {
  allowSettingApprovalConditions?: boolean;
  allowSettingCertificate?: boolean;
  /** Problems already in the stored object are tolerated on update. */
  old?: Any;
}

/** core/v1 ValidateSignerName: `domain.example/path`, DNS labels before the slash, subdomains after. */
export function signerNameCauses(field: string, name: unknown): Cause[] {
  if (typeof name !== 'string' || name === '') return [fieldRequired(field, '')];
  const parts = name.split('/');
  if (parts.length !== 2) return [fieldInvalid(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, path] = parts;
  const out: Cause[] = [];
  if (domain.length > 253) out.push({ reason: 'FieldValueTooLong', field, message: 'Too long: may not be more than 253 bytes' });
  const labels = domain.split('.');
  for (const label of labels) {
    const errs = isDns1123Label(label);
    if (errs.length) {
      for (const e of errs) out.push(fieldInvalid(field, domain, `validating label ${JSON.stringify(label)}: ${e}`));
      break;
    }
  }
  if (labels.length < 2) out.push(fieldInvalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const label of path.split('.')) {
    const errs = isDns1123Subdomain(label);
    if (errs.length) {
      for (const e of errs) out.push(fieldInvalid(field, path, `validating label ${JSON.stringify(label)}: ${e}`));
      break;
    }
  }
  if (name.length > 571) out.push({ reason: 'FieldValueTooLong', field, message: 'Too long: may not be more than 571 bytes' });
  return out;
}

/** status.certificate: one or more CERTIFICATE PEM blocks without headers, each a certificate. */
function certificateError(b64: unknown): string | undefined {
  if (typeof b64 !== 'string' || b64 === '') return undefined;
  let rest = Buffer.from(b64, 'base64').toString('latin1');
  let blocks = 0;
  for (;;) {
    const start = rest.indexOf('-----BEGIN ');
    const block = start < 0 ? undefined : pemDecode(rest.slice(start));
    if (!block) break;
    if (block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    const end = rest.indexOf(`-----END ${block.type}-----`, start);
    if (/^[A-Za-z-]+:/m.test(rest.slice(start, end).split('\n').slice(1).join('\n'))) return 'no PEM block headers are permitted';
    blocks++;
    try {
      new X509Certificate(Buffer.from(block.der));
    } catch {
      return 'x509: malformed certificate';
    }
    rest = rest.slice(end + `-----END ${block.type}-----`.length);
  }
  return blocks ? undefined : 'must contain at least one CERTIFICATE PEM block';
}

const duplicates = (values: string[]) => values.some((v, i) => values.indexOf(v) !== i);

function validateObject(o: Any, opts: Options): Cause[] {
  const old = opts.old;
  const spec: Any = o.spec ?? {};
  const out: Cause[] = [];
  try {
    parseCertificateRequestPem(requestText(o));
  } catch (e) {
    if (!(e instanceof CertificateRequestError)) throw e;
    out.push({ reason: 'FieldValueInvalid', field: 'spec.request', message: `Invalid value: ${goBytes(requestText(o))}: ${e.message}` });
  }
  const usages: string[] = Array.isArray(spec.usages) ? spec.usages : [];
  if (!usages.length) out.push(fieldRequired('spec.usages', 'usages must be provided'));
  const oldUsages: string[] = old?.spec?.usages ?? [];
  if (!(old && oldUsages.some((u) => !KEY_USAGES.includes(u))))
    usages.forEach((u, i) => {
      if (!KEY_USAGES.includes(u)) out.push(fieldNotSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    });
  if (!(old && duplicates(oldUsages)))
    usages.forEach((u, i) => {
      if (usages.indexOf(u) !== i) out.push({ reason: 'FieldValueDuplicate', field: `spec.usages[${i}]`, message: `Duplicate value: ${JSON.stringify(u)}` });
    });
  if (spec.signerName === SIGNERS.legacyUnknown && old?.spec?.signerName !== SIGNERS.legacyUnknown)
    out.push(fieldInvalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  else out.push(...signerNameCauses('spec.signerName', spec.signerName));
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600)
    out.push(fieldInvalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  out.push(...validateConditions(o, old));
  const sameCertificate = old && (o.status?.certificate ?? '') === (old.status?.certificate ?? '');
  if (!sameCertificate && !(old && certificateError(old.status?.certificate))) {
    const err = certificateError(o.status?.certificate);
    if (err) out.push(fieldInvalid('status.certificate', '<certificate data>', err));
  }
  return out;
}

const TRUE_ONLY = ['Approved', 'Denied', 'Failed'];

function validateConditions(o: Any, old: Any | undefined): Cause[] {
  const out: Cause[] = [];
  const oldConditions = conditionsOf(old);
  const allowBoth = oldConditions.some((c) => c.type === 'Approved') && oldConditions.some((c) => c.type === 'Denied');
  const allowDuplicates = duplicates(oldConditions.map((c) => c.type));
  const allowEmpty = oldConditions.some((c) => !c.type);
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(o).forEach((c, i) => {
    const path = `status.conditions[${i}]`;
    if (!c.type && !allowEmpty) out.push(fieldRequired(`${path}.type`, ''));
    const allowed = TRUE_ONLY.includes(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) out.push(fieldRequired(`${path}.status`, ''));
    else if (!allowed.includes(c.status)) out.push(fieldNotSupported(`${path}.status`, c.status, allowed));
    if (!allowBoth) {
      if (c.type === 'Approved') {
        approved = true;
        if (denied) out.push(fieldInvalid(`${path}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (c.type === 'Denied') {
        denied = true;
        if (approved) out.push(fieldInvalid(`${path}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!allowDuplicates) {
      if (seen.has(c.type)) out.push({ reason: 'FieldValueDuplicate', field: `${path}.type`, message: `Duplicate value: ${JSON.stringify(c.type)}` });
      seen.add(c.type);
    }
  });
  return out;
}

/** Update rules: no condition of a terminal type removed; approvals and certificates only through their subresource. */
function validateUpdate(o: Any, old: Any, opts: Options): Cause[] {
  const out = validateObject(o, { ...opts, old });
  const of = (x: Any, t: string) => conditionsOf(x).filter((c) => c.type === t);
  for (const t of ['Approved', 'Denied', 'Failed'])
    if (of(o, t).length < of(old, t).length) out.push(fieldForbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
  if (!opts.allowSettingApprovalConditions)
    for (const t of ['Approved', 'Denied']) {
      const [before, after] = [of(old, t), of(o, t)];
      if (after.length > before.length) out.push(fieldForbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(t)}`));
      else if (after.length === before.length && JSON.stringify(after) !== JSON.stringify(before))
        out.push(fieldForbidden('status.conditions', `updates may not modify a condition of type ${JSON.stringify(t)}`));
    }
  const [before, after] = [old.status?.certificate ?? '', o.status?.certificate ?? ''];
  if (before !== after) {
    if (!opts.allowSettingCertificate) out.push(fieldForbidden('status.certificate', 'updates may not set certificate content'));
    else if (before) out.push(fieldForbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return out;
}

// ---- strategies (pkg/registry/certificates/certificates) ----

/** Fills lastUpdateTime, and lastTransitionTime from an old condition of the same type and status. */
function stampConditions(o: Any, old: Any): void {
  const now = nowTimestamp();
  for (const c of conditionsOf(o)) {
    c.lastUpdateTime ??= now;
    if (!c.lastTransitionTime)
      c.lastTransitionTime = conditionsOf(old).find((p) => p.type === c.type && p.status === c.status && p.lastTransitionTime)?.lastTransitionTime ?? now;
  }
}

function setConditions(o: Any, conditions: Condition[]): void {
  const status: Any = { ...(o.status ?? {}) };
  if (conditions.length) status.conditions = conditions;
  else delete status.conditions;
  o.status = status;
}

function isForbiddenSigner(identity: CsrIdentity, verb: string, signerName: string): boolean {
  if (identity.mayOnSigner(verb, signerName)) return false;
  const slash = signerName.indexOf('/');
  return !(slash > 0 && identity.mayOnSigner(verb, `${signerName.slice(0, slash)}/*`));
}

function forbiddenCsr(name: string, why: string) {
  return forbidden(`certificatesigningrequests.${CSR_GROUP} "${name}" is forbidden: ${why}`, { name, group: CSR_GROUP, kind: 'certificatesigningrequests' });
}

/** The strategy hooks; without `identity` (in-process writes) nobody is recorded as the requestor and nothing is checked. */
export function csrHooks(identity?: CsrIdentity): ResourceHooks {
  return {
    prepareCreate(o) {
      const spec: Any = ((o.spec as Any) ??= {});
      for (const k of ['username', 'uid', 'groups', 'extra']) delete spec[k];
      const user = identity?.currentUser();
      if (user) {
        spec.username = user.username;
        if (user.uid) spec.uid = user.uid;
        spec.groups = user.groups;
        if (user.extra && Object.keys(user.extra).length) spec.extra = user.extra;
      }
      o.status = {};
    },
    prepareUpdate(o, old) {
      o.spec = old.spec;
      if (old.status === undefined) delete o.status;
      else o.status = old.status;
    },
    prepareSubresourceUpdate(o, old, ctx) {
      o.spec = old.spec;
      if (ctx.subresource === 'approval') {
        stampConditions(o, old);
        const conditions = conditionsOf(o);
        o.status = { ...((old.status as Any) ?? {}) };
        setConditions(o, conditions);
      } else if (ctx.subresource === 'status') {
        // Approved and Denied conditions keep their stored values; adding or removing them fails validation.
        const next = conditionsOf(o);
        for (const t of ['Approved', 'Denied']) {
          const was = conditionsOf(old).filter((c) => c.type === t);
          const at = next.flatMap((c, i) => (c.type === t ? [i] : []));
          if (was.length === at.length) at.forEach((i, n) => (next[i] = was[n]));
        }
        stampConditions(o, old);
      }
    },
    validate(obj, oldObj, ctx) {
      const [o, old] = [obj as Any, oldObj as Any | undefined];
      const causes = old ? validateUpdate(o, old, subresourceOptions(ctx)) : validateObject(o, {});
      if (causes.length || !identity?.currentUser()) return causes;
      const name = o.metadata.name ?? '';
      const signer = String((old ?? o).spec?.signerName ?? '');
      if (!old) {
        const groups = organizationsOf(o);
        if (signer === SIGNERS.apiServerClient && groups.includes('system:masters'))
          throw forbiddenCsr(name, `use of ${SIGNERS.apiServerClient} signer with system:masters group is not allowed`);
      } else if (ctx.subresource === 'approval' && isForbiddenSigner(identity, 'approve', signer)) {
        throw forbiddenCsr(name, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
      } else if (ctx.subresource === 'status') {
        const changed =
          (o.status?.certificate ?? '') !== (old.status?.certificate ?? '') || JSON.stringify(conditionsOf(o)) !== JSON.stringify(conditionsOf(old));
        if (changed && isForbiddenSigner(identity, 'sign', signer))
          throw forbiddenCsr(name, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
      }
      return [];
    },
    fieldLabels: (o) => ({ 'spec.signerName': String((o.spec as Any | undefined)?.signerName ?? '') }),
  };
}

function subresourceOptions(ctx: WriteContext): Options {
  return { allowSettingApprovalConditions: ctx.subresource === 'approval', allowSettingCertificate: ctx.subresource === 'status' };
}

function organizationsOf(o: Any): string[] {
  try {
    return parseCertificateRequestPem(requestText(o)).organizations;
  } catch {
    return [];
  }
}

// ---- printing (pkg/printers/internalversion: printCertificateSigningRequest) ----

/** Denied, else Approved, else Pending; then ",Failed" and ",Issued". */
export function csrCondition(o: Any): string {
  let s = hasCondition(o, 'Denied') ? 'Denied' : hasCondition(o, 'Approved') ? 'Approved' : 'Pending';
  if (hasCondition(o, 'Failed')) s += ',Failed';
  if (o.status?.certificate) s += ',Issued';
  return s;
}

const DOCS = {
  signerName:
    'signerName indicates the requested signer, and is a qualified name.\n\nList/watch requests for CertificateSigningRequests can filter on this field using a "spec.signerName=NAME" fieldSelector.\n\nWell-known Kubernetes signers are:\n 1. "kubernetes.io/kube-apiserver-client": issues client certificates that can be used to authenticate to kube-apiserver.\n  Requests for this signer are never auto-approved by kube-controller-manager, can be issued by the "csrsigning" controller in kube-controller-manager.\n 2. "kubernetes.io/kube-apiserver-client-kubelet": issues client certificates that kubelets use to authenticate to kube-apiserver.\n  Requests for this signer can be auto-approved by the "csrapproving" controller in kube-controller-manager, and can be issued by the "csrsigning" controller in kube-controller-manager.\n 3. "kubernetes.io/kubelet-serving" issues serving certificates that kubelets use to serve TLS endpoints, which kube-apiserver can connect to securely.\n  Requests for this signer are never auto-approved by kube-controller-manager, and can be issued by the "csrsigning" controller in kube-controller-manager.\n\nMore details are available at https://k8s.io/docs/reference/access-authn-authz/certificate-signing-requests/#kubernetes-signers\n\nCustom signerNames can also be specified. The signer defines:\n 1. Trust distribution: how trust (CA bundles) are distributed.\n 2. Permitted subjects: and behavior when a disallowed subject is requested.\n 3. Required, permitted, or forbidden x509 extensions in the request (including whether subjectAltNames are allowed, which types, restrictions on allowed values) and behavior when a disallowed extension is requested.\n 4. Required, permitted, or forbidden key usages / extended key usages.\n 5. Expiration/certificate lifetime: whether it is fixed by the signer, configurable by the admin.\n 6. Whether or not requests for CA certificates are allowed.',
  request:
    'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded.',
  expirationSeconds:
    'expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.',
  conditions: 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".',
};

const column = (name: string, description: string, cell: (o: KubeObject) => unknown): TableColumn => ({ name, type: 'string', priority: 0, description, cell });

export const csrColumns: TableColumn[] = [
  ageColumn,
  column('SignerName', DOCS.signerName, (o) => (o.spec as Any | undefined)?.signerName || '<none>'),
  column('Requestor', DOCS.request, (o) => (o.spec as Any | undefined)?.username ?? ''),
  column('RequestedDuration', DOCS.expirationSeconds, (o) => {
    const s = (o.spec as Any | undefined)?.expirationSeconds;
    return typeof s === 'number' ? humanDuration(s * 1000) : '<none>';
  }),
  column('Condition', DOCS.conditions, (o) => csrCondition(o)),
];
