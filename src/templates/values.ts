/**
 * The Go value model that templates see.
 *
 * Go keeps integers and floats apart, and so must we: `eq 3 3.0` is an error,
 * `%T` names types, and typed function parameters only accept assignable
 * values. Values are plain JS data, with classes or tags only where Go's type
 * cannot be read from the JS value:
 *
 *   Go                         JS
 *   string                     string
 *   bool                       boolean
 *   float64                    number            (every JSON/YAML-decoded number)
 *   int, int64, uint8, ...     GoInt             (literals, len, Sprig arithmetic)
 *   []interface{}              GoValue[]         (untagged array)
 *   []string, []int, ...       array tagged with setSliceType(arr, 'string')
 *   map[string]interface{}     plain object      (untagged)
 *   map[string]string          object tagged with setMapType(obj, 'string')
 *   nil (typed or untyped)     null
 *   invalid / "no value"       undefined         (missing key, missingkey=default)
 *   time.Time                  GoTime
 *   other Go structs           GoStruct subclasses (e.g. a semver.Version)
 *   func values                GoFunc
 */

export type IntKind = 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'uintptr';

/** A Go integer of a given kind. The value is always kept within the kind's range. */
export class GoInt {
  constructor(
    readonly value: bigint,
    readonly kind: IntKind = 'int',
  ) {}
  toNumber(): number {
    return Number(this.value);
  }
}

/** A Go time.Time: milliseconds since the epoch plus extra nanoseconds and a zone. */
export class GoTime {
  constructor(
    /** Unix time in milliseconds. */
    readonly ms: number,
    /** Nanoseconds within the millisecond (0..999999). */
    readonly nanos: number = 0,
    /** IANA zone name or 'UTC' / 'Local'; offsets are resolved by the date helpers. */
    readonly zone: string = 'UTC',
  ) {}
}

/** Base for other Go struct values; `goType` is what %T prints. */
export abstract class GoStruct {
  abstract readonly goType: string;
  /** Fields visible to templates as `.Field` (exported fields and methods without arguments). */
  abstract field(name: string): GoValue | typeof NO_FIELD;
  /** What fmt's %v prints for it. */
  abstract formatV(): string;
}

export const NO_FIELD: unique symbol = Symbol('no-field');

/** A function value (only reachable through data supplied by library users). */
export class GoFunc {
  constructor(
    readonly name: string,
    readonly def: FuncDef,
  ) {}
}

export type GoMap = { [key: string]: GoValue };
export type GoValue = string | boolean | number | GoInt | GoTime | GoStruct | GoFunc | GoValue[] | GoMap | null | undefined;

const SLICE_TYPE = Symbol('go-slice-elem');
const MAP_TYPE = Symbol('go-map-elem');

/** Marks an array as a typed slice, e.g. 'string' for []string. Returns the array. */
export function setSliceType<T extends GoValue[]>(arr: T, elem: string): T {
  Object.defineProperty(arr, SLICE_TYPE, { value: elem, enumerable: false });
  return arr;
}
/** The element type of a slice: 'interface {}' unless tagged. */
export function sliceElemType(arr: GoValue[]): string {
  return (arr as unknown as { [SLICE_TYPE]?: string })[SLICE_TYPE] ?? 'interface {}';
}
/** Marks an object as a typed map, e.g. 'string' for map[string]string. Returns the object. */
export function setMapType<T extends GoMap>(obj: T, elem: string): T {
  Object.defineProperty(obj, MAP_TYPE, { value: elem, enumerable: false });
  return obj;
}
/** The element type of a map: 'interface {}' unless tagged. */
export function mapElemType(obj: GoMap): string {
  return (obj as unknown as { [MAP_TYPE]?: string })[MAP_TYPE] ?? 'interface {}';
}

export function isGoMap(v: GoValue): v is GoMap {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof GoInt) &&
    !(v instanceof GoTime) &&
    !(v instanceof GoStruct) &&
    !(v instanceof GoFunc)
  );
}

/** Go type names as %T prints them. */
export function goTypeName(v: GoValue): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
  }
  if (v instanceof GoInt) return v.kind;
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoStruct) return v.goType;
  if (v instanceof GoFunc) return 'func';
  if (Array.isArray(v)) return '[]' + sliceElemType(v);
  return 'map[string]' + mapElemType(v);
}

/** Helpers to build ints of the common kinds. */
export const int = (n: number | bigint): GoInt => new GoInt(BigInt.asIntN(64, BigInt(n)), 'int');
export const int64 = (n: number | bigint): GoInt => new GoInt(BigInt.asIntN(64, BigInt(n)), 'int64');

// ---------------------------------------------------------------------------
// Functions

/**
 * Go parameter types a template function declares. Text/template converts and
 * checks arguments against these exactly as Go's reflection does:
 *  - 'interface {}' accepts anything (nil included);
 *  - a basic type ('string', 'bool', 'float64', an IntKind) accepts only a value
 *    of that type, except that untyped constants from the template source
 *    (number literals, nil) convert to it;
 *  - '[]interface {}', '[]string', 'map[string]interface {}', ... accept values of
 *    exactly that Go type, or nil.
 */
export type ParamType = 'interface {}' | 'string' | 'bool' | 'float64' | IntKind | `[]${string}` | `map[string]${string}` | 'time.Time' | string;

export interface FuncDef {
  /** Fixed parameters. */
  params: ParamType[];
  /** Type of the variadic tail (`...T`), if any. */
  variadic?: ParamType;
  /**
   * The implementation. Arguments arrive already checked and converted.
   * Throw a FuncError (or any Error) to fail: the engine reports it as Go does,
   * `error calling NAME: MESSAGE`.
   */
  fn: (...args: GoValue[]) => GoValue;
}

export type FuncMap = Record<string, FuncDef>;

/** A failure inside a template function (Go: returned error or recovered panic). */
export class FuncError extends Error {}
