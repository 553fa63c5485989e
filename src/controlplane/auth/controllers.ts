/**
 * The control plane's own RBAC housekeeping: the default roles and bindings written at start
 * (reconciled, never duplicated, on a restart with --data-dir), the ClusterRole aggregation
 * controller, and the tokens controller that fills service-account token Secrets.
 */
import type { KubeObject } from '../../k8s/object.js';
import { labelSelectorFromSpec, matchLabelSelector, SelectorError, type LabelSelectorSpec } from '../../k8s/selectors.js';
import type { ApiCore } from '../apiserver/core.js';
import { ApiError, type Cause } from '../apiserver/errors.js';
import type { ResourceType } from '../apiserver/registry.js';
import type { Authenticator } from './authn.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { rulesOf } from './rbac.js';
import { RBAC_GROUP, type PolicyRule, type Subject } from './types.js';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function typeOf(core: ApiCore, kind: string): ResourceType {
  return core.registry.byApiVersionKind(`${RBAC_GROUP}/v1`, kind)!;
}

/**
 * Creates the default policy objects that are missing and, like the API server's bootstrap
 * reconciliation, adds back missing rules, subjects, labels and annotations to those that
 * exist unless they are annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`.
 */
export function bootstrapPolicy(core: ApiCore): void {
  for (const wanted of DEFAULT_POLICY) {
    const t = typeOf(core, wanted.kind);
    const ns = wanted.metadata.namespace;
    const existing = core.tryGet(t, ns, wanted.metadata.name!);
    if (!existing) {
      core.create(t, ns, structuredClone(wanted));
      continue;
    }
    if (existing.metadata.annotations?.[AUTOUPDATE] === 'false') continue;
    const next = structuredClone(existing);
    next.metadata.labels = { ...wanted.metadata.labels, ...existing.metadata.labels };
    next.metadata.annotations = { ...wanted.metadata.annotations, ...existing.metadata.annotations };
    if (wanted.rules && !wanted.aggregationRule) {
      const have = rulesOf(existing);
      next.rules = [...have, ...rulesOf(wanted).filter((r) => !have.some((h) => same(h, r)))];
    }
    if (wanted.aggregationRule) next.aggregationRule = wanted.aggregationRule;
    if (wanted.subjects) {
      const have = (existing.subjects as Subject[] | null) ?? [];
      next.subjects = [...have, ...(wanted.subjects as Subject[]).filter((s) => !have.some((h) => same(h, s)))];
    }
    if (!same(next, existing)) core.update(t, ns, wanted.metadata.name!, next);
  }
}

/** Keeps the rules of every ClusterRole with an aggregationRule equal to the union of the roles it selects. */
export class AggregationController {
  private stopWatch?: () => void;
  private stopped = false;
  private scheduled = false;

  constructor(
    private readonly core: ApiCore,
    /** Runs the controller's writes outside any request's identity. */
    private readonly asSystem: (f: () => void) => void,
  ) {}

  start(): void {
    this.sync();
    this.stopWatch = this.core.store.watch(`${RBAC_GROUP}/clusterroles`, this.core.store.resourceVersion, () => this.schedule());
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() =>
      this.asSystem(() => {
        this.scheduled = false;
        if (this.stopped) return;
        this.sync();
      }),
    );
  }

  /** Brings every aggregated role up to date; repeats while a pass changed one (roles aggregating aggregated roles). */
  sync(): void {
    for (let pass = 0; pass < 10 && this.syncOnce(); pass++);
  }

  private syncOnce(): boolean {
    let changed = false;
    const t = typeOf(this.core, 'ClusterRole');
    const all = this.core.store.list(`${RBAC_GROUP}/clusterroles`).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const role of all) {
      const selectors = (role.aggregationRule as { clusterRoleSelectors?: LabelSelectorSpec[] } | undefined | null)?.clusterRoleSelectors;
      if (!selectors) continue;
      const matchers = selectors.flatMap((s) => {
        try {
          return [labelSelectorFromSpec(s)];
        } catch (e) {
          if (e instanceof SelectorError) return [];
          throw e;
        }
      });
      const rules: PolicyRule[] = [];
      for (const other of all) {
        if (other.metadata.name === role.metadata.name) continue;
        if (!matchers.some((m) => matchLabelSelector(m, other.metadata.labels))) continue;
        for (const r of rulesOf(other)) if (!rules.some((x) => same(x, r))) rules.push(r);
      }
      if (same(rules, role.rules ?? [])) continue;
      try {
        this.core.update(t, undefined, role.metadata.name!, { ...role, rules });
        changed = true;
      } catch (e) {
        // A concurrent write wins; its event schedules another pass.
        if (!(e instanceof ApiError)) throw e;
      }
    }
    return changed;
  }
}

const TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME = 'kubernetes.io/service-account.name';
const SA_UID = 'kubernetes.io/service-account.uid';

/**
 * Fills Secrets of type kubernetes.io/service-account-token (token, ca.crt, namespace) for the
 * service account they name, and deletes them with their service account.
 */
export class TokensController {
  private stopWatch?: () => void;
  private stopped = false;
  private readonly pending = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly core: ApiCore,
    private readonly authn: Authenticator,
    private readonly caPem: string,
    private readonly asSystem: (f: () => void) => void,
  ) {}

  /** Secret validation for the token type (the annotation naming the service account is required). */
  installValidation(): void {
    const t = this.core.registry.lookup('', 'v1', 'secrets')!;
    const prev = t.hooks.validate;
    t.hooks.validate = (o, old, c) => {
      const causes: Cause[] = prev?.(o, old, c) ?? [];
      if (o.type === TOKEN_TYPE && !o.metadata.annotations?.[SA_NAME])
        causes.push({ reason: 'FieldValueRequired', field: `metadata.annotations[${SA_NAME}]`, message: 'Required value' });
      return causes;
    };
  }

  start(): void {
    for (const s of this.core.store.list('/secrets')) if (s.type === TOKEN_TYPE) this.pending.add(`${s.metadata.namespace}/${s.metadata.name}`);
    this.schedule();
    this.stopWatch = this.core.store.watch(undefined, this.core.store.resourceVersion, (e) => {
      if (e.resource === '/secrets' && e.type !== 'DELETED' && e.object.type === TOKEN_TYPE) {
        this.pending.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
        this.schedule();
      } else if (e.resource === '/serviceaccounts' && e.type === 'DELETED') {
        const ns = e.object.metadata.namespace!;
        for (const s of this.core.store.list('/secrets', ns))
          if (s.type === TOKEN_TYPE && s.metadata.annotations?.[SA_NAME] === e.object.metadata.name) this.pending.add(`${ns}/${s.metadata.name}`);
        this.schedule();
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() =>
      this.asSystem(() => {
        this.scheduled = false;
        if (this.stopped) return;
        const keys = [...this.pending];
        this.pending.clear();
        for (const k of keys) this.sync(k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1));
      }),
    );
  }

  private sync(namespace: string, name: string): void {
    const secrets = this.core.registry.lookup('', 'v1', 'secrets')!;
    const accounts = this.core.registry.lookup('', 'v1', 'serviceaccounts')!;
    const secret = this.core.tryGet(secrets, namespace, name);
    if (!secret || secret.type !== TOKEN_TYPE || secret.metadata.deletionTimestamp) return;
    const saName = secret.metadata.annotations?.[SA_NAME];
    const sa = saName ? this.core.tryGet(accounts, namespace, saName) : undefined;
    const quietly = (f: () => void) => {
      try {
        f();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
      }
    };
    const wantedUid = secret.metadata.annotations?.[SA_UID];
    if (!sa || (wantedUid && wantedUid !== sa.metadata.uid)) {
      // The service account is gone (or was recreated): its token Secret goes too.
      quietly(() => this.core.delete(secrets, namespace, name));
      return;
    }
    const data = (secret.data ?? {}) as Record<string, string>;
    if (data.token && wantedUid) return;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const next: KubeObject = {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [SA_UID]: sa.metadata.uid! } },
      data: {
        ...data,
        ...(this.caPem ? { 'ca.crt': b64(this.caPem) } : {}),
        namespace: b64(namespace),
        token: data.token ?? b64(this.authn.issueLegacy(sa, name)),
      },
    };
    quietly(() => this.core.update(secrets, namespace, name, next));
  }
}
