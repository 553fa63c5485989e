/**
 * Field sets as server-side apply records them in `managedFields[].fieldsV1`: a tree of path
 * elements `f:<field>`, `k:<json key object>`, `v:<json value>`, `i:<index>`, where `.` marks a
 * node that is itself a member of the set as well as the parent of other members.
 */

export class FieldSet {
  /** Whether this path itself is in the set (a leaf, or `.` when it also has children). */
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** Parsed sets of stored entries; callers never modify a parsed set in place. */
  private static parsed = new WeakMap<object, FieldSet>();

  static fromFieldsV1(fields: unknown): FieldSet {
    if (typeof fields === 'object' && fields !== null) {
      const cached = FieldSet.parsed.get(fields);
      if (cached) return cached;
      const set = FieldSet.parse(fields);
      FieldSet.parsed.set(fields, set);
      return set;
    }
    return new FieldSet();
  }

  private static parse(fields: object): FieldSet {
    const set = new FieldSet();
    if (typeof fields !== 'object' || fields === null) return set;
    for (const [k, v] of Object.entries(fields)) {
      if (k === '.') {
        set.member = true;
        continue;
      }
      const child = typeof v === 'object' && v !== null ? FieldSet.parse(v) : new FieldSet();
      if (typeof v === 'object' && v !== null && Object.keys(v).length === 0) child.member = true;
      set.children.set(k, child);
    }
    return set;
  }

  /** The fieldsV1 JSON form, keys sorted as Go writes them. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // Subtrees without members (left behind by removals) are not written.
    const keys = [...this.children.keys()].filter((k) => !this.children.get(k)!.isEmpty()).sort();
    if (this.member && keys.length > 0) out['.'] = {};
    for (const k of keys) out[k] = this.children.get(k)!.toFieldsV1();
    return out;
  }

  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  insert(path: readonly string[]): void {
    if (path.length === 0) this.member = true;
    else this.child(path[0]).insert(path.slice(1));
  }

  has(path: readonly string[]): boolean {
    if (path.length === 0) return this.member;
    return this.children.get(path[0])?.has(path.slice(1)) ?? false;
  }

  isEmpty(): boolean {
    return !this.member && [...this.children.values()].every((c) => c.isEmpty());
  }

  /** Every member path, depth first, children in sorted order. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member) out.push(prefix);
    for (const k of [...this.children.keys()].sort()) out.push(...this.children.get(k)!.paths([...prefix, k]));
    return out;
  }

  clone(): FieldSet {
    const c = new FieldSet();
    c.member = this.member;
    for (const [k, v] of this.children) c.children.set(k, v.clone());
    return c;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  private addAll(other: FieldSet): void {
    if (other.member) this.member = true;
    for (const [k, v] of other.children) this.child(k).addAll(v);
  }

  /** Members of this set that are also members of `other`. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [k, v] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const sub = v.intersection(o);
      if (!sub.isEmpty()) out.children.set(k, sub);
    }
    return out;
  }

  /** Members of this set that are not members of `other`. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [k, v] of this.children) {
      const o = other.children.get(k);
      const sub = o ? v.difference(o) : v.clone();
      if (!sub.isEmpty()) out.children.set(k, sub);
    }
    return out;
  }

  /** Whether any member lies at or below `path`. */
  hasPrefix(path: readonly string[]): boolean {
    if (path.length === 0) return !this.isEmpty();
    return this.children.get(path[0])?.hasPrefix(path.slice(1)) ?? false;
  }
}

/** JSON with object keys sorted, as Go marshals map keys. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Human form of a path as in conflict messages: `.spec.containers[name="a"].image`. */
export function formatPath(path: readonly string[]): string {
  let out = '';
  for (const pe of path) {
    const kind = pe.slice(0, 2);
    const rest = pe.slice(2);
    if (kind === 'f:') out += `.${rest}`;
    else if (kind === 'i:') out += `[${rest}]`;
    else if (kind === 'v:') out += `[=${rest}]`;
    else if (kind === 'k:') {
      const key = JSON.parse(rest) as Record<string, unknown>;
      out += `[${Object.keys(key)
        .sort()
        .map((k) => `${k}=${JSON.stringify(key[k])}`)
        .join(',')}]`;
    } else out += pe;
  }
  return out;
}
