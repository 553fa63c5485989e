/** Masterminds/semver v1.5.0 as Sprig v2.22 exposes it: `semver` and `semverCompare`. */
import { FuncError, GoFunc, GoStruct, NO_FIELD, int64, type FuncMap, type GoValue } from '../values.js';
import { def } from './strings.js';

const VERSION_RE = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
const INVALID = 'Invalid Semantic Version';

/** A parsed version; `pointer` tells whether Go holds it as *semver.Version (as `semver` returns) or a value. */
export class SemverVersion extends GoStruct {
  get goType(): string {
    return this.pointer ? '*semver.Version' : 'semver.Version';
  }
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: string,
    readonly metadata: string,
    readonly original: string,
    readonly pointer = true,
  ) {
    super();
  }

  static parse(v: string): SemverVersion {
    const m = VERSION_RE.exec(v);
    if (!m) throw new FuncError(INVALID);
    const seg = (s: string | undefined): bigint => {
      if (!s) return 0n;
      const n = BigInt(s.replace(/^\./, ''));
      if (n > 9223372036854775807n)
        throw new FuncError(`Error parsing version segment: strconv.ParseInt: parsing ${JSON.stringify(s.replace(/^\./, ''))}: value out of range`);
      return n;
    };
    return new SemverVersion(seg(m[1]), seg(m[2]), seg(m[3]), m[5] ?? '', m[8] ?? '', v);
  }

  override toString(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre) s += '-' + this.pre;
    if (this.metadata) s += '+' + this.metadata;
    return s;
  }

  /** What json.Marshal writes (MarshalJSON on the pointer). */
  toJSON(): string {
    return this.toString();
  }

  formatV(): string {
    // String() has a pointer receiver: a Version value prints its fields.
    return this.pointer ? this.toString() : `{${this.major} ${this.minor} ${this.patch} ${this.pre} ${this.metadata} ${this.original}}`;
  }

  compare(o: SemverVersion): number {
    for (const [a, b] of [
      [this.major, o.major],
      [this.minor, o.minor],
      [this.patch, o.patch],
    ]) {
      if (a !== b) return a < b ? -1 : 1;
    }
    if (this.pre === '' && o.pre === '') return 0;
    if (this.pre === '') return 1;
    if (o.pre === '') return -1;
    return comparePrerelease(this.pre, o.pre);
  }

  private withPre(pre: string, metadata: string, major = this.major, minor = this.minor, patch = this.patch): SemverVersion {
    let original = `${major}.${minor}.${patch}`;
    if (pre) original += '-' + pre;
    if (metadata) original += '+' + metadata;
    if (this.original.startsWith('v')) original = 'v' + original;
    return new SemverVersion(major, minor, patch, pre, metadata, original, false);
  }

  field(name: string): GoValue | typeof NO_FIELD {
    const method = (fn: (o: SemverVersion) => GoValue): GoFunc =>
      new GoFunc(
        name,
        def(['*semver.Version'], (o: GoValue) => fn(o as SemverVersion)),
      );
    switch (name) {
      case 'Original':
        return this.original;
      case 'String':
        return this.toString();
      case 'Major':
        return int64(this.major);
      case 'Minor':
        return int64(this.minor);
      case 'Patch':
        return int64(this.patch);
      case 'Prerelease':
        return this.pre;
      case 'Metadata':
        return this.metadata;
      case 'IncPatch':
        return this.pre ? this.withPre('', '') : this.withPre('', '', this.major, this.minor, this.patch + 1n);
      case 'IncMinor':
        return this.withPre('', '', this.major, this.minor + 1n, 0n);
      case 'IncMajor':
        return this.withPre('', '', this.major + 1n, 0n, 0n);
      case 'Compare':
        return method((o) => int64(BigInt(this.compare(o))));
      case 'LessThan':
        return method((o) => this.compare(o) < 0);
      case 'GreaterThan':
        return method((o) => this.compare(o) > 0);
      case 'Equal':
        return method((o) => this.compare(o) === 0);
    }
    return NO_FIELD;
  }
}

function comparePrerelease(v: string, o: string): number {
  const sp = v.split('.');
  const op = o.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  const isNum = (x: string): boolean => /^[+-]?[0-9]+$/.test(x) && BigInt(x) <= 9223372036854775807n && BigInt(x) >= -9223372036854775808n;
  const sn = isNum(s);
  const on = isNum(o);
  if (!sn && !on) return s > o ? 1 : -1;
  if (!on) return -1; // o is a string, s a number
  if (!sn) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

// ---------------------------------------------------------------------------
// constraints

const CV = '(v?([0-9|xX*]+)(\\.[0-9|xX*]+)?(\\.[0-9|xX*]+)?(-([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?(\\+([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?)';
const OPS = ['!=', '>=', '=>', '<=', '=<', '~>', '>', '<', '~', '^', '=', ''];
const CONSTRAINT_RE = new RegExp(`^\\s*(${OPS.map((o) => o.replace(/[\^]/g, '\\^')).join('|')})\\s*${CV}\\s*$`);
const RANGE_RE = new RegExp(`\\s*${CV}\\s+-\\s+${CV}\\s*`, 'g');

interface Constraint {
  op: string;
  con: SemverVersion;
  minorDirty: boolean;
  patchDirty: boolean;
  dirty: boolean;
}

const isX = (s: string | undefined): boolean => s === 'x' || s === '*' || s === 'X';

function parseConstraint(c: string): Constraint {
  const m = CONSTRAINT_RE.exec(c);
  if (!m) throw new FuncError(`improper constraint: ${c}`);
  const [, op, verFull, major, minor = '', patch = '', preFull = ''] = m;
  let ver = verFull;
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  if (isX(major)) {
    ver = '0.0.0';
    dirty = true;
  } else if (isX(minor.replace(/^\./, '')) || minor === '') {
    minorDirty = true;
    dirty = true;
    ver = `${major}.0.0${preFull}`;
  } else if (isX(patch.replace(/^\./, ''))) {
    dirty = true;
    patchDirty = true;
    ver = `${major}${minor}.0${preFull}`;
  }
  let con: SemverVersion;
  try {
    con = SemverVersion.parse(ver);
  } catch {
    throw new FuncError('constraint Parser Error');
  }
  return { op, con, minorDirty, patchDirty, dirty };
}

function check(v: SemverVersion, c: Constraint): boolean {
  const preBlocked = v.pre !== '' && c.con.pre === '';
  const tilde = (): boolean => {
    if (preBlocked) return false;
    if (v.compare(c.con) < 0) return false;
    if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
    if (v.major !== c.con.major) return false;
    if (v.minor !== c.con.minor && !c.minorDirty) return false;
    return true;
  };
  const lessDirty = (): boolean => {
    if (v.major > c.con.major) return false;
    if (v.minor > c.con.minor && !c.minorDirty) return false;
    return true;
  };
  switch (c.op) {
    case '':
    case '=':
      if (preBlocked) return false;
      return c.dirty ? tilde() : v.compare(c.con) === 0;
    case '!=':
      if (c.dirty) {
        if (preBlocked) return false;
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        return false;
      }
      return v.compare(c.con) !== 0;
    case '>':
      return !preBlocked && v.compare(c.con) === 1;
    case '<':
      if (preBlocked) return false;
      return c.dirty ? lessDirty() : v.compare(c.con) < 0;
    case '>=':
    case '=>':
      return !preBlocked && v.compare(c.con) >= 0;
    case '<=':
    case '=<':
      if (preBlocked) return false;
      return c.dirty ? lessDirty() : v.compare(c.con) <= 0;
    case '~':
    case '~>':
      return tilde();
    case '^':
      if (preBlocked || v.compare(c.con) < 0) return false;
      return v.major === c.con.major;
  }
  return false;
}

/** semver.NewConstraint: "||" alternatives of ","-separated conditions; "a - b" ranges. */
export function parseConstraints(c: string): Constraint[][] {
  const rewritten = c.replace(RANGE_RE, (_m, from: string, ...rest: string[]) => ` >= ${from}, <= ${rest[9]} `.trim());
  return rewritten.split('||').map((alt) => alt.split(',').map(parseConstraint));
}

export function semverCompare(constraint: string, version: string): boolean {
  const cs = parseConstraints(constraint);
  const v = SemverVersion.parse(version);
  return cs.some((and) => and.every((c) => check(v, c)));
}

export const semverFuncs: FuncMap = {
  semver: def(['string'], (v: string) => SemverVersion.parse(v)),
  semverCompare: def(['string', 'string'], semverCompare),
};
