/**
 * Label and field selectors with Kubernetes' syntax, validation and error messages
 * (apimachinery's pkg/labels and pkg/fields).
 */
import { goQuote, isLabelKey, isLabelValue } from './validation.js';

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export type LabelOperator = 'In' | 'NotIn' | 'Equals' | 'DoubleEquals' | 'NotEquals' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** Requirements are ANDed; `nothing` marks the selector that matches no object (a nil LabelSelector). */
export interface LabelSelector {
  requirements: LabelRequirement[];
  nothing?: boolean;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

// ---- label selector parsing ----

type Token = 'error' | 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

const KEYWORD_TOKENS: Record<string, Token> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

const isSpecial = (c: string): boolean => '=!(),><'.includes(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(s: string): { tok: Token; lit: string }[] {
  const items: { tok: Token; lit: string }[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of special characters that still forms an operator.
      let buf = '';
      let last: { tok: Token; lit: string } | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const tok = KEYWORD_TOKENS[buf];
        if (tok) {
          last = { tok, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos]) && !isSpace(s[pos])) buf += s[pos++];
    items.push({ tok: buf === 'in' || buf === 'notin' ? (buf as Token) : 'id', lit: buf });
  }
}

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

class LabelParser {
  private position = 0;
  constructor(private readonly items: { tok: Token; lit: string }[]) {}

  /** In value position the words `in` and `notin` are plain identifiers. */
  private peek(asValue: boolean): { tok: Token; lit: string } {
    const item = this.items[this.position];
    return asValue && (item.tok === 'in' || item.tok === 'notin') ? { tok: 'id', lit: item.lit } : item;
  }
  private next(asValue: boolean): { tok: Token; lit: string } {
    const item = this.peek(asValue);
    this.position++;
    return item;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'end') return reqs;
      if (tok !== 'id' && tok !== '!') throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      reqs.push(this.requirement());
      const after = this.next(true);
      if (after.tok === 'end') return reqs;
      if (after.tok !== ',') throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.tok !== 'id' && following.tok !== '!') throw new SelectorError(`found '${following.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    try {
      let first = this.next(true);
      let negated = false;
      if (first.tok === '!') {
        negated = true;
        first = this.next(true);
      }
      if (first.tok !== 'id') throw new SelectorError(`found '${first.lit}', expected: identifier`);
      const key = first.lit;
      const keyErrs = isLabelKey(key);
      if (keyErrs.length) throw new SelectorError(`<nil>: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`);
      const la = this.peek(true).tok;
      // A bare key means Exists; after `!key` the caller expects ',' or the end.
      if (negated || la === 'end' || la === ',') return newRequirement(key, negated ? 'DoesNotExist' : 'Exists', []);
      const op = this.operator();
      const values = op === 'In' || op === 'NotIn' ? this.valueSet() : this.exactValue();
      return newRequirement(key, op, [...new Set(values)].sort());
    } catch (e) {
      if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.next(false);
    const ops: Partial<Record<Token, LabelOperator>> = {
      in: 'In',
      '=': 'Equals',
      '==': 'DoubleEquals',
      '>': 'Gt',
      '<': 'Lt',
      notin: 'NotIn',
      '!=': 'NotEquals',
    };
    const op = ops[tok];
    if (!op) throw new SelectorError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    return op;
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek(true);
    if (tok === ')') {
      this.next(true);
      return [''];
    }
    if (tok !== 'id' && tok !== ',') throw new SelectorError(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.identifiers();
    if (this.next(true).tok !== ')') throw new SelectorError(`found '${lit}', expected: ')'`);
    return values;
  }

  /** A comma-separated list where empty entries are the empty string. */
  private identifiers(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === 'id') {
        values.push(lit);
        const la = this.peek(true);
        if (la.tok === ',') continue;
        if (la.tok === ')') return values;
        throw new SelectorError(`found '${la.lit}', expected: ',' or ')'`);
      } else if (tok === ',') {
        if (values.length === 0) values.push('');
        const la = this.peek(true).tok;
        if (la === ')' || la === ',') values.push('');
        if (la === ')') return values;
      } else {
        throw new SelectorError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const la = this.peek(true).tok;
    if (la === 'end' || la === ',') return [''];
    const { tok, lit } = this.next(true);
    if (tok === 'id') return [lit];
    throw new SelectorError(`found '${lit}', expected: identifier`);
  }
}

/** Builds a requirement with NewRequirement's checks (values only; keys are checked by callers). */
function newRequirement(key: string, operator: LabelOperator, values: string[], path = ''): LabelRequirement {
  const errs: string[] = [];
  const valuesPath = path ? `${path}.values` : 'values';
  const showValues = `[]string{${values.map(goQuote).join(', ')}}`;
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(`${valuesPath}: Invalid value: ${showValues}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case 'Equals':
    case 'DoubleEquals':
    case 'NotEquals':
      if (values.length !== 1) errs.push(`${valuesPath}: Invalid value: ${showValues}: exact-match compatibility requires one single value`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) errs.push(`${valuesPath}: Invalid value: ${showValues}: values set must be empty for exists and does not exist`);
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(`${valuesPath}: Invalid value: ${showValues}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(`${valuesPath}[${i}]: Invalid value: ${goQuote(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isLabelValue(v);
    if (valueErrs.length) errs.push(`${valuesPath}[${i}][${key}]: Invalid value: ${goQuote(v)}: ${valueErrs.join('; ')}`);
  });
  if (errs.length === 1) throw new SelectorError(errs[0]);
  if (errs.length > 1) throw new SelectorError(`[${errs.join(', ')}]`);
  return { key, operator, values };
}

/** Parses a `labelSelector` query string (`a=b,c in (x,y),!d`). Requirements come out sorted by key, as in Go. */
export function parseLabelSelector(s: string): LabelSelector {
  const requirements = new LabelParser(lex(s)).parse();
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements };
}

/**
 * Converts a metav1.LabelSelector (`spec.selector` of workloads): null/undefined selects nothing,
 * `{}` selects everything.
 */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  if (spec === null || spec === undefined) return { requirements: [], nothing: true };
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(spec.matchLabels ?? {})) {
    checkKey(key);
    requirements.push(newRequirement(key, 'Equals', [value]));
  }
  for (const expr of spec.matchExpressions ?? []) {
    const ops: Record<string, LabelOperator> = { In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist' };
    const op = ops[expr.operator];
    if (!op) throw new SelectorError(`${goQuote(String(expr.operator))} is not a valid label selector operator`);
    checkKey(expr.key);
    requirements.push(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements };
}

function checkKey(key: string): void {
  const errs = isLabelKey(key);
  if (errs.length) throw new SelectorError(`key: Invalid value: ${goQuote(key)}: ${errs.join('; ')}`);
}

export function matchLabelSelector(sel: LabelSelector, labels: Record<string, string> | null | undefined): boolean {
  if (sel.nothing) return false;
  const ls = labels ?? {};
  return sel.requirements.every((r) => matchRequirement(r, ls));
}

function matchRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
    case 'Equals':
    case 'DoubleEquals':
      return has && r.values.includes(value!);
    case 'NotIn':
    case 'NotEquals':
      return !has || !r.values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !/^[+-]?\d+$/.test(value!) || r.values.length !== 1) return false;
      const [a, b] = [BigInt(value!), BigInt(r.values[0])];
      return r.operator === 'Gt' ? a > b : a < b;
    }
  }
}

/** Go's String() form (`a=b,c in (x,y),!d`), used in messages. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
      switch (r.operator) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'In':
          return `${r.key} in (${vals})`;
        case 'NotIn':
          return `${r.key} notin (${vals})`;
        case 'Equals':
          return `${r.key}=${vals}`;
        case 'DoubleEquals':
          return `${r.key}==${vals}`;
        case 'NotEquals':
          return `${r.key}!=${vals}`;
        case 'Gt':
          return `${r.key}>${vals}`;
        case 'Lt':
          return `${r.key}<${vals}`;
      }
    })
    .join(',');
}

// ---- field selectors ----

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

/** Splits on commas that are not escaped with a backslash. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function unescapeFieldValue(v: string): string {
  if (!v.includes('\\') && !v.includes('=') && !v.includes(',')) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const n = v[++i];
      if (n !== '\\' && n !== ',' && n !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: ${c}${n ?? ''}`);
      out += n;
    } else if (c === ',' || c === '=') {
      throw new SelectorError(`invalid field selector: unescaped character: ${c}`);
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses a `fieldSelector` query string (`metadata.name=x,status.phase!=Running`). */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(s).sort()) {
    if (term === '') continue;
    let found: FieldRequirement | undefined;
    for (let i = 0; i < term.length && !found; i++) {
      if (term[i] === '\\') {
        i++;
        continue;
      }
      for (const op of ['!=', '==', '='] as const) {
        if (term.startsWith(op, i)) {
          found = { field: term.slice(0, i), operator: op, value: unescapeFieldValue(term.slice(i + op.length)) };
          break;
        }
      }
    }
    if (!found) throw new SelectorError(`invalid selector: '${s}'; can't understand '${term}'`);
    requirements.push(found);
  }
  return { requirements };
}

/**
 * Rejects fields a kind does not index, with kube-apiserver's 400 message: kinds with their own
 * field label conversion (pods, events, secrets, namespaces, nodes, ...) say
 * `field label not supported: <f>`, the others
 * `"<f>" is not a known field selector: only "metadata.name", "metadata.namespace"`.
 */
export function checkFieldSelector(sel: FieldSelector, supported: readonly string[], hasFieldLabelConversion = false): void {
  for (const r of sel.requirements) {
    if (supported.includes(r.field)) continue;
    if (hasFieldLabelConversion) throw new SelectorError(`field label not supported: ${r.field}`);
    throw new SelectorError(`"${r.field}" is not a known field selector: only ${supported.map((f) => `"${f}"`).join(', ')}`);
  }
}

/** `get` returns the object's value for a field, undefined when absent (compared as ""). */
export function matchFieldSelector(sel: FieldSelector, get: (field: string) => string | undefined): boolean {
  return sel.requirements.every((r) => {
    const v = get(r.field) ?? '';
    return r.operator === '!=' ? v !== r.value : v === r.value;
  });
}

/** Values every kind supports in field selectors: metadata.name and metadata.namespace. */
export function objectMetaFields(obj: { metadata?: { name?: string; namespace?: string } }): Record<string, string> {
  return { 'metadata.name': obj.metadata?.name ?? '', 'metadata.namespace': obj.metadata?.namespace ?? '' };
}
