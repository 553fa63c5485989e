/**
 * What legitimately differs between two API servers answering the same requests (uids,
 * timestamps, resourceVersions, generated names, continue tokens, server addresses and
 * versions) is replaced by placeholders; `diff` then lists what is left, path by path.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g;
const SERVER = /https:\/\/127\.0\.0\.1:\d+/g;
/** Go heap pointers in messages: (0xc...) from %#v, bare 0xc... from %v inside structs. */
const POINTER = /\(0x[0-9a-f]+\)|\b0xc[0-9a-f]{8,}\b/g;

/** Placeholders in free text: uids, times, server URLs. */
function text(s: string): string {
  return s.replace(UUID, '<uid>').replace(TIME, '<time>').replace(SERVER, '<server>').replace(POINTER, '<pointer>');
}

/**
 * A JSON answer with placeholders. `generated` collects the names the server generated (from
 * generateName) so later answers that only name them (a delete's Status) match too.
 */
export function normalizeJson(value: unknown, generated: Set<string> = new Set()): unknown {
  collectGenerated(value, generated);
  return walk(value, undefined, generated);
}

function collectGenerated(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) return value.forEach((v) => collectGenerated(v, out));
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (typeof o.generateName === 'string' && typeof o.name === 'string' && o.name.startsWith(o.generateName) && o.name !== o.generateName) out.add(o.name);
  for (const v of Object.values(o)) collectGenerated(v, out);
}

function walk(value: unknown, key: string | undefined, generated: Set<string>): unknown {
  if (key === 'managedFields' && Array.isArray(value)) value = managersByName(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, undefined, generated));
  if (value !== null && typeof value === 'object') {
    const obj = timeCellsBlanked(value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    // Keys can hold uids too (managedFields' k:{"uid":...} entries).
    for (const [k, v] of Object.entries(obj)) out[text(k)] = walk(v, k, generated);
    return out;
  }
  if (typeof value === 'string') {
    if (generated.has(value)) return '<generated-name>';
    if (key === 'resourceVersion' && /^\d+$/.test(value)) return '<rv>';
    if (key === 'continue' && value) return '<continue>';
    if (key === 'serverAddress') return '<server-address>';
    if (key === 'token' || key === 'caBundle' || key === 'ca.crt') return '<secret>';
    return text(value);
  }
  return value;
}

/**
 * Both servers order managedFields by operation, then by the second of each entry's time, then by manager.
 * The two sides' requests fall in different seconds now and then, so the time is left out of the order here
 * (unit tests check it).
 */
function managersByName(entries: unknown[]): unknown[] {
  const key = (e: unknown): string => {
    const m = (e ?? {}) as Record<string, unknown>;
    return [m.operation, m.manager, m.apiVersion, m.subresource].map((x) => String(x ?? '')).join('\u0000');
  };
  return [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Table columns whose cells are durations since a time (they tick between the two servers' answers). */
const TIME_COLUMNS = new Set(['Age', 'Duration', 'Last Seen', 'First Seen', 'Last Schedule']);

/** A Table (`as=Table`) with the cells of its time columns (and `date` printer columns) replaced by <age>. */
function timeCellsBlanked(obj: Record<string, unknown>): Record<string, unknown> {
  const columns = obj.columnDefinitions;
  if (obj.kind !== 'Table' || !Array.isArray(columns) || !Array.isArray(obj.rows)) return obj;
  const timed = columns.flatMap((c: { name?: string; format?: string }, i) => (TIME_COLUMNS.has(c.name ?? '') || c.format === 'date' ? [i] : []));
  if (!timed.length) return obj;
  const rows = (obj.rows as { cells?: unknown[] }[]).map((row) =>
    Array.isArray(row.cells) ? { ...row, cells: row.cells.map((cell, i) => (timed.includes(i) && typeof cell === 'string' && cell ? '<age>' : cell)) } : row,
  );
  return { ...obj, rows };
}

/** kubectl's output with placeholders; ages and resourceVersions too. */
export function normalizeText(s: string, generated: Set<string> = new Set()): string {
  let out = s;
  for (const name of generated) out = out.split(name).join('<generated-name>');
  return (
    text(out)
      .replace(/("serverAddress":\s*)"[^"]*"/g, '$1"<server-address>"')
      // kubectl diff's temporary folders and file times.
      .replace(/\/tmp\/(LIVE|MERGED)-\d+/g, '/tmp/$1-<n>')
      .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ [+-]\d{4}/g, '<time>')
      .replace(/(resourceVersion"?:\s*)"\d+"/g, '$1"<rv>"')
      .replace(/(\s)(\d+d)?(\d+h)?(\d+m)?(\d+s)?(?=\s|$)/gm, (m, space: string, ...units: (string | undefined)[]) =>
        units.slice(0, 4).some(Boolean) ? `${space}<age>` : m,
      )
      .replace(/\b[a-z0-9]+-token-[a-z0-9]{5}\b/g, (m) => m.replace(/-[a-z0-9]{5}$/, '-<generated>'))
      // Table columns widen with their longest cell (ages differ): compare cells, not padding.
      .replace(/ {2,}/g, '  ')
      .replace(/[ \t]+$/gm, '')
  );
}

export interface Difference {
  path: string;
  local: unknown;
  real: unknown;
}

/** Differences between two normalised results, keyed by dotted paths (`body.metadata.labels.a`, `events[2].type`). */
export function diff(local: unknown, real: unknown, path = ''): Difference[] {
  if (Object.is(local, real)) return [];
  if (typeof local === 'string' && typeof real === 'string' && (local.includes('\n') || real.includes('\n'))) return diffLines(local, real, path);
  if (Array.isArray(local) && Array.isArray(real)) {
    const out: Difference[] = [];
    for (let i = 0; i < Math.max(local.length, real.length); i++) {
      if (i >= local.length) out.push({ path: `${path}[${i}]`, local: undefined, real: real[i] });
      else if (i >= real.length) out.push({ path: `${path}[${i}]`, local: local[i], real: undefined });
      else out.push(...diff(local[i], real[i], `${path}[${i}]`));
    }
    return out;
  }
  if (isPlain(local) && isPlain(real)) {
    const out: Difference[] = [];
    const keys = [...new Set([...Object.keys(local), ...Object.keys(real)])].sort();
    for (const k of keys) out.push(...diff(local[k], real[k], path ? `${path}.${k}` : k));
    return out;
  }
  return [{ path, local, real }];
}

/** Line-by-line differences of two texts (kubectl output), matched in order. */
function diffLines(local: string, real: string, path: string): Difference[] {
  const a = local.split('\n');
  const b = real.split('\n');
  // Longest common subsequence keeps an inserted line from shifting every line after it.
  const n = a.length;
  const m = b.length;
  if (n * m > 250_000) return [{ path, local, real }];
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: Difference[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push({ path: `${path}:${j + 1}`, local: undefined, real: b[j++] });
    } else {
      out.push({ path: `${path}:${i + 1}`, local: a[i++], real: undefined });
    }
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Whether an expected-difference path covers a difference's path: the pattern is a prefix in
 * dotted segments, `*` matches one segment (a key or an index), `stdout:*` any line of a text.
 */
export function covers(pattern: string, path: string): boolean {
  const seg = (p: string) =>
    p
      .replace(/\[(\d+|\*)\]/g, '.$1')
      .replace(/:/g, '.:')
      .split('.')
      .filter(Boolean);
  const want = seg(pattern);
  const got = seg(path);
  if (want.length > got.length) return false;
  return want.every((w, i) => w === '*' || w === got[i] || (w === ':*' && got[i].startsWith(':')));
}
