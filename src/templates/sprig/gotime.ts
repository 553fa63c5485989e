/**
 * Go's time package as templates see it: layout-based Format and Parse,
 * Time.String, durations, zones. The local zone is UTC (as in KUDO's container).
 *
 * GoTime.zone holds 'UTC', 'Local', an IANA name, or `fixed:<seconds>:<name>`
 * for the fixed zones Go creates when parsing offsets.
 */
import { GoStruct, GoTime, NO_FIELD, int, int64, type GoValue } from '../values.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// ---------------------------------------------------------------------------
// zones

const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  let f = zoneFormats.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      f = null;
    }
    zoneFormats.set(zone, f);
  }
  return f;
}

/** time.LoadLocation: the zone string for a name, or undefined when Go would fail. */
export function loadLocation(name: string): string | undefined {
  if (name === '' || name === 'UTC') return 'UTC';
  if (name === 'Local') return 'Local';
  // Go reads zoneinfo files: names are case-sensitive and cannot be paths.
  if (name.includes('..') || name.startsWith('/') || name.includes('\\')) return undefined;
  const f = zoneFormat(name);
  if (!f) return undefined;
  // Intl ignores case, Go's zoneinfo lookup does not: require tzdata's capitalisation.
  if (f.resolvedOptions().timeZone !== name && !name.split('/').every((part) => /^[A-Z]/.test(part))) return undefined;
  return name;
}

function intlOffsetSeconds(zone: string, ms: number): number {
  const f = zoneFormat(zone);
  if (!f) return 0;
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  d.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  const wall = d.getTime();
  const floored = Math.floor(ms / 1000) * 1000;
  return Math.round((wall - floored) / 1000);
}

const abbrevCache = new Map<string, string>();
/** Locales whose short zone names agree with tzdata's abbreviations for their regions. */
const ABBREV_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-NZ', 'en-IN', 'ja-JP', 'en-ZA'];
/** tzdata abbreviations Intl does not know (standard time, daylight time). */
const ABBREV_OVERRIDES: Record<string, [string, string]> = {
  'Asia/Shanghai': ['CST', 'CDT'],
  'Asia/Taipei': ['CST', 'CDT'],
  PRC: ['CST', 'CDT'],
  'Asia/Seoul': ['KST', 'KDT'],
  'Asia/Pyongyang': ['KST', 'KST'],
  'Europe/Moscow': ['MSK', 'MSD'],
  'Asia/Jerusalem': ['IST', 'IDT'],
  'Asia/Tel_Aviv': ['IST', 'IDT'],
  Israel: ['IST', 'IDT'],
  'Asia/Hong_Kong': ['HKT', 'HKST'],
  'Asia/Karachi': ['PKT', 'PKST'],
  'Asia/Jakarta': ['WIB', 'WIB'],
  'Asia/Manila': ['PST', 'PDT'],
  'Asia/Dubai': ['', ''],
  'Asia/Muscat': ['', ''],
};

function numericAbbrev(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = String(Math.floor(a / 3600)).padStart(2, '0');
  const m = Math.floor((a % 3600) / 60);
  return sign + h + (m ? String(m).padStart(2, '0') : '');
}

/** The zone abbreviation Go's tzdata would show (best effort: Intl plus a small table). */
function intlAbbrev(zone: string, ms: number, offset: number): string {
  const key = zone + '@' + offset;
  const cached = abbrevCache.get(key);
  if (cached !== undefined) return cached;
  let name = '';
  const override = ABBREV_OVERRIDES[zone];
  if (override) {
    // Daylight time is the larger of the zone's offsets in January and July.
    const year = new Date(ms).getUTCFullYear();
    const jan = intlOffsetSeconds(zone, Date.UTC(year, 0, 1));
    const jul = intlOffsetSeconds(zone, Date.UTC(year, 6, 1));
    name = offset === Math.max(jan, jul) && jan !== jul ? override[1] : override[0];
  } else {
    for (const locale of ABBREV_LOCALES) {
      const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' })
        .formatToParts(new Date(ms))
        .find((p) => p.type === 'timeZoneName');
      if (part && /^[A-Z]{2,5}$/.test(part.value) && (part.value !== 'GMT' || offset === 0)) {
        name = part.value;
        break;
      }
    }
  }
  if (!name) name = offset === 0 && /^(Etc\/)?(UTC|UCT|Universal|Zulu)$/.test(zone) ? 'UTC' : numericAbbrev(offset);
  abbrevCache.set(key, name);
  return name;
}

/** The zone's UTC offset (seconds) and abbreviation at t. */
export function zoneOf(t: GoTime): { offset: number; name: string } {
  const z = t.zone;
  if (z === 'UTC' || z === 'Local') return { offset: 0, name: 'UTC' };
  if (z.startsWith('fixed:')) {
    const rest = z.slice(6);
    const colon = rest.indexOf(':');
    return { offset: Number(rest.slice(0, colon)), name: rest.slice(colon + 1) };
  }
  const offset = intlOffsetSeconds(z, t.ms);
  return { offset, name: intlAbbrev(z, t.ms, offset) };
}

export function fixedZone(name: string, offset: number): string {
  return `fixed:${offset}:${name}`;
}

// ---------------------------------------------------------------------------
// civil time

export interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  weekday: number; // 0 = Sunday
  yearDay: number; // 1..366
  offset: number;
  zoneName: string;
}

export function civil(t: GoTime): Civil {
  const { offset, name } = zoneOf(t);
  const secMs = Math.floor(t.ms / 1000) * 1000;
  const d = new Date(secMs + offset * 1000);
  const year = d.getUTCFullYear();
  const start = new Date(0);
  start.setUTCFullYear(year, 0, 1);
  start.setUTCHours(0, 0, 0, 0);
  const nanosecond = (t.ms - secMs) * 1e6 + t.nanos;
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanosecond,
    weekday: d.getUTCDay(),
    yearDay: Math.floor((d.getTime() - start.getTime()) / 86400000) + 1,
    offset,
    zoneName: name,
  };
}

/** Unix milliseconds of a civil date-time in UTC (any year, overflowing fields normalised). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** The zero time.Time (January 1, year 1, 00:00:00 UTC). */
export const ZERO_TIME_MS = utcMs(1, 1, 1, 0, 0, 0);

export function timeFromUnix(sec: number, nsec = 0, zone = 'Local'): GoTime {
  const totalNs = BigInt(Math.trunc(sec)) * 1000000000n + BigInt(Math.trunc(nsec));
  const ms = totalNs / 1000000n - (totalNs % 1000000n < 0n ? 1n : 0n);
  const nanos = Number(totalNs - ms * 1000000n);
  return new GoTime(Number(ms), nanos, zone);
}

export function timeUnixNanos(t: GoTime): bigint {
  return BigInt(t.ms) * 1000000n + BigInt(t.nanos);
}

/** Time.Add (keeps a monotonic reading, as Go does). */
export function timeAddNanos(t: GoTime, d: bigint): GoTime {
  const total = timeUnixNanos(t) + d;
  let ms = total / 1000000n;
  let rem = total % 1000000n;
  if (rem < 0n) {
    ms -= 1n;
    rem += 1000000n;
  }
  if (t instanceof GoMonoTime) return new GoMonoTime(Number(ms), Number(rem), t.zone, t.monoNanos + d);
  return new GoTime(Number(ms), Number(rem), t.zone);
}

// ---------------------------------------------------------------------------
// layouts

type Chunk =
  | { kind: 'lit'; text: string }
  | { kind: 'std'; std: string; digits?: number; sep?: string }
  | { kind: 'frac'; std: 'frac0' | 'frac9'; digits: number; sep: string };

const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';

const layoutCache = new Map<string, Chunk[]>();

/** Splits a Go layout into literal text and standard chunks (Go's nextStdChunk). */
export function parseLayout(layout: string): Chunk[] {
  const cached = layoutCache.get(layout);
  if (cached) return cached;
  const chunks: Chunk[] = [];
  let lit = '';
  const push = (std: string, len: number): number => {
    if (lit) chunks.push({ kind: 'lit', text: lit });
    lit = '';
    chunks.push({ kind: 'std', std });
    return len;
  };
  for (let i = 0; i < layout.length;) {
    const rest = layout.slice(i);
    const c = layout[i];
    let used = 0;
    switch (c) {
      case 'J':
        if (rest.startsWith('January')) used = push('January', 7);
        else if (rest.startsWith('Jan') && !isLower(rest[3])) used = push('Jan', 3);
        break;
      case 'M':
        if (rest.startsWith('Monday')) used = push('Monday', 6);
        else if (rest.startsWith('Mon') && !isLower(rest[3])) used = push('Mon', 3);
        else if (rest.startsWith('MST')) used = push('MST', 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1] >= '1' && rest[1] <= '6') used = push('0' + rest[1], 2);
        break;
      case '1':
        used = rest[1] === '5' ? push('15', 2) : push('1', 1);
        break;
      case '2':
        used = rest.startsWith('2006') ? push('2006', 4) : push('2', 1);
        break;
      case '_':
        if (rest[1] === '2') {
          if (rest.startsWith('_2006')) {
            lit += '_';
            used = 1 + push('2006', 4);
          } else {
            used = push('_2', 2);
          }
        }
        break;
      case '3':
      case '4':
      case '5':
        used = push(c, 1);
        break;
      case 'P':
        if (rest[1] === 'M') used = push('PM', 2);
        break;
      case 'p':
        if (rest[1] === 'm') used = push('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const form of ['070000', '07:00:00', '0700', '07:00', '07']) {
          if (rest.startsWith(c + form)) {
            used = push(c + form, form.length + 1);
            break;
          }
        }
        break;
      case '.':
      case ',':
        if (rest[1] === '0' || rest[1] === '9') {
          let j = 1;
          while (j < rest.length && rest[j] === rest[1]) j++;
          if (!isDigitAt(rest, j)) {
            if (lit) chunks.push({ kind: 'lit', text: lit });
            lit = '';
            chunks.push({ kind: 'frac', std: rest[1] === '0' ? 'frac0' : 'frac9', digits: j - 1, sep: c });
            used = j;
          }
        }
        break;
    }
    if (used === 0) {
      lit += c;
      i++;
    } else {
      i += used;
    }
  }
  if (lit) chunks.push({ kind: 'lit', text: lit });
  layoutCache.set(layout, chunks);
  return chunks;
}

function pad(n: number, width: number): string {
  const neg = n < 0;
  let s = String(Math.abs(n));
  if (s.length < width) s = '0'.repeat(width - s.length) + s;
  return neg ? '-' + s : s;
}

function formatFrac(nanos: number, chunk: { std: string; digits: number; sep: string }): string {
  let digits = pad(nanos, 9).slice(0, Math.min(chunk.digits, 9));
  if (chunk.std === 'frac9') {
    digits = digits.replace(/0+$/, '');
    if (!digits) return '';
  }
  return chunk.sep + digits;
}

/** Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = '';
  for (const chunk of parseLayout(layout)) {
    if (chunk.kind === 'lit') {
      out += chunk.text;
      continue;
    }
    if (chunk.kind === 'frac') {
      out += formatFrac(c.nanosecond, chunk);
      continue;
    }
    const std = chunk.std;
    switch (std) {
      case '06':
        out += pad(((c.year % 100) + 100) % 100, 2);
        break;
      case '2006':
        out += pad(c.year, 4);
        break;
      case 'Jan':
        out += MONTHS[c.month - 1].slice(0, 3);
        break;
      case 'January':
        out += MONTHS[c.month - 1];
        break;
      case '1':
        out += c.month;
        break;
      case '01':
        out += pad(c.month, 2);
        break;
      case 'Mon':
        out += DAYS[c.weekday].slice(0, 3);
        break;
      case 'Monday':
        out += DAYS[c.weekday];
        break;
      case '2':
        out += c.day;
        break;
      case '_2':
        out += (c.day < 10 ? ' ' : '') + c.day;
        break;
      case '02':
        out += pad(c.day, 2);
        break;
      case '15':
        out += pad(c.hour, 2);
        break;
      case '3':
        out += c.hour % 12 === 0 ? 12 : c.hour % 12;
        break;
      case '03':
        out += pad(c.hour % 12 === 0 ? 12 : c.hour % 12, 2);
        break;
      case '4':
        out += c.minute;
        break;
      case '04':
        out += pad(c.minute, 2);
        break;
      case '5':
        out += c.second;
        break;
      case '05':
        out += pad(c.second, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        if (c.zoneName) {
          out += c.zoneName;
        } else {
          const zone = Math.trunc(c.offset / 60);
          out += (zone < 0 ? '-' : '+') + pad(Math.trunc(Math.abs(zone) / 60), 2) + pad(Math.abs(zone) % 60, 2);
        }
        break;
      default: {
        // numeric zones: -0700, -07:00, -07, -070000, -07:00:00 and their Z forms
        if (std[0] === 'Z' && c.offset === 0) {
          out += 'Z';
          break;
        }
        const form = std.slice(1);
        let zone = Math.trunc(c.offset / 60);
        let abs = c.offset;
        if (zone < 0) {
          out += '-';
          zone = -zone;
          abs = -abs;
        } else {
          out += '+';
        }
        out += pad(Math.trunc(zone / 60), 2);
        const colon = form.includes(':');
        if (colon) out += ':';
        if (form !== '07') out += pad(zone % 60, 2);
        if (form === '070000' || form === '07:00:00') {
          if (colon) out += ':';
          out += pad(abs % 60, 2);
        }
      }
    }
  }
  return out;
}

/** A time.Time that carries a monotonic clock reading (from time.Now), which String() shows as `m=±s.nnnnnnnnn`. */
export class GoMonoTime extends GoTime {
  constructor(
    ms: number,
    nanos: number,
    zone: string,
    /** Monotonic reading in nanoseconds since the process started. */
    readonly monoNanos: bigint,
  ) {
    super(ms, nanos, zone);
  }
}

/** Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST", plus the monotonic reading if any. */
export function goTimeString(t: GoTime): string {
  const s = formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (!(t instanceof GoMonoTime)) return s;
  const m = t.monoNanos < 0n ? -t.monoNanos : t.monoNanos;
  return `${s} m=${t.monoNanos < 0n ? '-' : '+'}${m / 1000000000n}.${String(m % 1000000000n).padStart(9, '0')}`;
}

/** Time.GoString() (what %#v prints). */
export function goTimeGoString(t: GoTime): string {
  const c = civil(t);
  let loc: string;
  if (t.zone === 'UTC') loc = 'time.UTC';
  else if (t.zone === 'Local') loc = 'time.Local';
  else loc = `time.Location(${JSON.stringify(t.zone.startsWith('fixed:') ? c.zoneName : t.zone)})`;
  return `time.Date(${c.year}, time.${MONTHS[c.month - 1]}, ${c.day}, ${c.hour}, ${c.minute}, ${c.second}, ${c.nanosecond}, ${loc})`;
}

// ---------------------------------------------------------------------------
// parsing

/** A Go time.ParseError; the message is what Go prints. */
export class TimeParseError extends Error {}

const quoteGo = (s: string): string => JSON.stringify(s);

function parseErr(layout: string, value: string, layoutElem: string, valueElem: string, msg = ''): TimeParseError {
  if (msg) return new TimeParseError(`parsing time ${quoteGo(value)}${msg}`);
  return new TimeParseError(`parsing time ${quoteGo(value)} as ${quoteGo(layout)}: cannot parse ${quoteGo(valueElem)} as ${quoteGo(layoutElem)}`);
}

function lookupName(names: string[], value: string): { index: number; rest: string } | undefined {
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (value.length >= n.length && value.slice(0, n.length).toLowerCase() === n.toLowerCase()) return { index: i, rest: value.slice(n.length) };
  }
  return undefined;
}

/** Go's getnum: one or two digits (exactly two when fixed). */
function getNum(value: string, fixed: boolean): { n: number; rest: string } | undefined {
  if (!isDigitAt(value, 0)) return undefined;
  if (!isDigitAt(value, 1)) {
    if (fixed) return undefined;
    return { n: Number(value[0]), rest: value.slice(1) };
  }
  return { n: Number(value.slice(0, 2)), rest: value.slice(2) };
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Go's parseTimeZone: how many bytes of value look like a zone abbreviation. */
function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) {
    // GMT, GMT+h, GMT-h
    let n = 3;
    if (value[3] === '+' || value[3] === '-') {
      let j = 4;
      while (isDigitAt(value, j)) j++;
      const num = Number(value.slice(4, j));
      if (j === 4 || num > 24 || (value[4] === '0' && j > 5)) return 3;
      n = j;
    }
    return n;
  }
  if (value[0] === '+' || value[0] === '-') {
    // tzdata numeric abbreviations like +03, -0530
    let j = 1;
    while (isDigitAt(value, j)) j++;
    return j === 3 || j === 5 ? j : 0;
  }
  let nUpper = 0;
  while (nUpper < value.length && nUpper < 6 && value[nUpper] >= 'A' && value[nUpper] <= 'Z') nUpper++;
  switch (nUpper) {
    case 0:
    case 1:
    case 2:
    case 6:
      return 0;
    case 5:
      return value[4] === 'T' ? 5 : 0;
    case 4:
      return value[3] === 'T' || value.startsWith('WITA') ? 4 : 0;
    default:
      return 3;
  }
}

/**
 * time.ParseInLocation(layout, value, loc). Throws TimeParseError with Go's
 * message when the value does not match.
 */
export function parseTime(layout: string, value: string, loc = 'Local'): GoTime {
  const original = value;
  let year = 1;
  let month = -1;
  let day = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let zoneOffset = -1;
  let zoneName = '';
  let zIsUTC = false; // "Z" or "UTC" in the value: Go uses the UTC location itself

  const chunks = parseLayout(layout);
  for (let ci = 0; ci < chunks.length; ci++) {
    const chunk = chunks[ci];
    if (chunk.kind === 'lit') {
      // Go skips leading spaces in both the literal and the value.
      let prefix = chunk.text;
      while (prefix.startsWith(' ') && value.startsWith(' ')) {
        prefix = prefix.slice(1);
        value = value.slice(1);
      }
      if (!value.startsWith(prefix)) throw parseErr(layout, original, chunk.text, value);
      value = value.slice(prefix.length);
      continue;
    }
    if (chunk.kind === 'frac') {
      const ndigit = 1 + chunk.digits;
      if (chunk.std === 'frac0') {
        if (value.length < ndigit || (value[0] !== '.' && value[0] !== ',')) throw parseErr(layout, original, chunk.sep + '0'.repeat(chunk.digits), value);
        const digits = value.slice(1, ndigit);
        if (!/^[0-9]+$/.test(digits)) throw parseErr(layout, original, chunk.sep + '0'.repeat(chunk.digits), value);
        nsec = Number(digits.padEnd(9, '0').slice(0, 9));
        value = value.slice(ndigit);
      } else {
        if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) continue; // optional
        let j = 1;
        while (j < 10 && isDigitAt(value, j)) j++;
        nsec = Number(value.slice(1, j).padEnd(9, '0'));
        value = value.slice(j);
      }
      continue;
    }
    const std = chunk.std;
    const stdValue = value;
    const fail = (): TimeParseError => parseErr(layout, original, std, stdValue);
    let r: { n: number; rest: string } | undefined;
    switch (std) {
      case '06': {
        if (value.length < 2 || !isDigitAt(value, 0) || !isDigitAt(value, 1)) throw fail();
        year = Number(value.slice(0, 2));
        year += year >= 69 ? 1900 : 2000;
        value = value.slice(2);
        break;
      }
      case '2006':
        if (value.length < 4 || !/^[0-9]{4}/.test(value)) throw fail();
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case 'Jan':
      case 'January': {
        const names = std === 'Jan' ? MONTHS.map((m) => m.slice(0, 3)) : MONTHS;
        const found = lookupName(names, value);
        if (!found) throw fail();
        month = found.index + 1;
        value = found.rest;
        break;
      }
      case '1':
      case '01':
        r = getNum(value, std === '01');
        if (!r || r.n <= 0 || r.n > 12) throw r ? parseErr(layout, original, std, value, ': month out of range') : fail();
        month = r.n;
        value = r.rest;
        break;
      case 'Mon':
      case 'Monday': {
        const found = lookupName(std === 'Mon' ? DAYS.map((d) => d.slice(0, 3)) : DAYS, value);
        if (!found) throw fail();
        value = found.rest; // the weekday is checked only for syntax
        break;
      }
      case '2':
      case '_2':
      case '02':
        if (std === '_2' && value[0] === ' ') value = value.slice(1);
        r = getNum(value, std === '02');
        if (!r) throw fail();
        day = r.n;
        value = r.rest;
        break;
      case '15':
        r = getNum(value, false);
        if (!r || r.n < 0 || r.n >= 24) throw r ? parseErr(layout, original, std, value, ': hour out of range') : fail();
        hour = r.n;
        value = r.rest;
        break;
      case '3':
      case '03':
        r = getNum(value, std === '03');
        if (!r || r.n < 0 || r.n > 12) throw r ? parseErr(layout, original, std, value, ': hour out of range') : fail();
        hour = r.n;
        value = r.rest;
        break;
      case '4':
      case '04':
        r = getNum(value, std === '04');
        if (!r || r.n < 0 || r.n >= 60) throw r ? parseErr(layout, original, std, value, ': minute out of range') : fail();
        min = r.n;
        value = r.rest;
        break;
      case '5':
      case '05': {
        r = getNum(value, std === '05');
        if (!r || r.n < 0 || r.n >= 60) throw r ? parseErr(layout, original, std, value, ': second out of range') : fail();
        sec = r.n;
        value = r.rest;
        // A fractional second in the value is accepted even if the layout has none right here.
        const next = chunks[ci + 1];
        if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1) && !(next && next.kind === 'frac')) {
          let j = 1;
          while (isDigitAt(value, j)) j++;
          nsec = Number(value.slice(1, Math.min(j, 10)).padEnd(9, '0'));
          value = value.slice(j);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        if (value.length < 2) throw fail();
        const p = value.slice(0, 2);
        if (p === (std === 'PM' ? 'PM' : 'pm')) pmSet = true;
        else if (p === (std === 'PM' ? 'AM' : 'am')) amSet = true;
        else throw fail();
        value = value.slice(2);
        break;
      }
      case 'MST': {
        if (value.length >= 3 && value.startsWith('UTC')) {
          zIsUTC = true;
          value = value.slice(3);
          break;
        }
        const n = parseTimeZone(value);
        if (n === 0) throw fail();
        zoneName = value.slice(0, n);
        value = value.slice(n);
        break;
      }
      default: {
        // numeric zone forms
        if (std[0] === 'Z' && value[0] === 'Z') {
          value = value.slice(1);
          zIsUTC = true;
          break;
        }
        const form = std.slice(1);
        const pattern: Record<string, RegExp> = {
          '07': /^[+-]\d\d/,
          '0700': /^[+-]\d\d\d\d/,
          '07:00': /^[+-]\d\d:\d\d/,
          '070000': /^[+-]\d\d\d\d\d\d/,
          '07:00:00': /^[+-]\d\d:\d\d:\d\d/,
        };
        const m = pattern[form].exec(value);
        if (!m) throw fail();
        const digits = m[0].slice(1).replace(/:/g, '');
        const hh = Number(digits.slice(0, 2));
        const mm = digits.length >= 4 ? Number(digits.slice(2, 4)) : 0;
        const ss = digits.length >= 6 ? Number(digits.slice(4, 6)) : 0;
        if (hh > 24 || mm > 60 || ss > 60) throw parseErr(layout, original, std, value, ': time zone offset out of range');
        zoneOffset = (hh * 3600 + mm * 60 + ss) * (m[0][0] === '-' ? -1 : 1);
        value = value.slice(m[0].length);
      }
    }
  }
  if (value.length > 0) throw new TimeParseError(`parsing time ${quoteGo(original)}: extra text: ${quoteGo(value)}`);
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > daysIn(month, year)) throw new TimeParseError(`parsing time ${quoteGo(original)}: day out of range`);

  const wallMs = utcMs(year, month, day, hour, min, sec);
  const make = (offset: number, zone: string): GoTime => {
    const ms = wallMs - offset * 1000 + Math.floor(nsec / 1e6);
    return new GoTime(ms, nsec % 1e6, zone);
  };
  if (zIsUTC) return make(0, 'UTC');
  if (zoneOffset !== -1) {
    // Use the location itself if it has that offset (and name) at that instant; else a fixed zone.
    const t = make(zoneOffset, loc);
    const z = zoneOf(t);
    if (z.offset === zoneOffset && (zoneName === '' || z.name === zoneName)) return t;
    return new GoTime(t.ms, t.nanos, fixedZone(zoneName, zoneOffset));
  }
  if (zoneName !== '') {
    // The location may know the abbreviation (near that wall time).
    if (loc !== 'UTC' && loc !== 'Local') {
      const guess = make(0, loc);
      const z = zoneOf(new GoTime(guess.ms - zoneOf(guess).offset * 1000, 0, loc));
      if (z.name === zoneName) return make(z.offset, loc);
    }
    let offset = 0;
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) offset = Number(zoneName.slice(3)) * 3600;
    return make(offset, fixedZone(zoneName, offset));
  }
  // No zone in the value: interpret the wall clock in loc.
  let t = make(0, loc);
  const off1 = zoneOf(t).offset;
  if (off1 !== 0) {
    t = make(off1, loc);
    const off2 = zoneOf(t).offset;
    if (off2 !== off1) t = make(off2, loc);
  }
  return t;
}

// ---------------------------------------------------------------------------
// durations

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n, // U+00B5
  μs: 1000n, // U+03BC
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};

/** time.ParseDuration; returns nanoseconds or throws an Error with Go's message. */
export function parseDuration(s: string): bigint {
  const orig = s;
  const invalid = (): Error => new Error(`time: invalid duration ${quoteGo(orig)}`);
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0;
  let totalBig = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    const intPart = m[1];
    const fracPart = m[3];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw invalid();
    s = s.slice(m[0].length);
    let u = 0;
    while (u < s.length && s[u] !== '.' && !(s[u] >= '0' && s[u] <= '9')) u++;
    if (u === 0) throw new Error(`time: missing unit in duration ${quoteGo(orig)}`);
    const unitName = s.slice(0, u);
    const unit = UNITS[unitName];
    if (unit === undefined) throw new Error(`time: unknown unit ${quoteGo(unitName)} in duration ${quoteGo(orig)}`);
    s = s.slice(u);
    let v = BigInt(intPart || '0') * unit;
    if (fracPart) {
      // fraction × unit, truncated to nanoseconds
      v += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length);
    }
    totalBig += v;
    if (totalBig > 9223372036854775807n) throw invalid();
    total++;
  }
  void total;
  return neg ? -totalBig : totalBig;
}

function fmtFracDigits(v: bigint, prec: number): { s: string; rest: bigint } {
  // Go's fmtFrac: prints v/10^prec's fraction, omitting trailing zeros and the point if zero.
  let s = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) s = digit.toString() + s;
    v /= 10n;
  }
  if (print) s = '.' + s;
  return { s, rest: v };
}

/** time.Duration.String(). */
export function durationString(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1000000000n) {
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      return (neg ? '-' : '') + u.toString() + 'ns';
    } else if (u < 1000000n) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const f = fmtFracDigits(u, prec);
    out = f.rest.toString() + f.s + unit;
  } else {
    const f = fmtFracDigits(u, 9);
    u = f.rest;
    out = (u % 60n).toString() + f.s + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return (neg ? '-' : '') + out;
}

/** Duration.Round(m) (half away from zero). */
export function roundDuration(d: bigint, m: bigint): bigint {
  if (m <= 0n) return d;
  let r = d % m;
  if (d < 0n) {
    r = -r;
    if (r + r < m) return d + r;
    return d - m + r;
  }
  if (r + r < m) return d - r;
  return d + m - r;
}

// ---------------------------------------------------------------------------
// fields and methods of time.Time visible to templates

/** A time.Month or time.Weekday: prints as its name, compares as int. */
export class GoNamedInt extends GoStruct {
  constructor(
    readonly goType: string,
    readonly n: number,
    readonly name: string,
  ) {
    super();
  }
  field(): typeof NO_FIELD {
    return NO_FIELD;
  }
  formatV(): string {
    return this.name;
  }
}

/**
 * `.Year`, `.Unix`, `.UTC` ... on a time.Time: the niladic methods a template
 * can call. Returns NO_FIELD for anything else.
 */
export function timeField(t: GoTime, name: string): GoValue | typeof NO_FIELD {
  const c = (): Civil => civil(t);
  switch (name) {
    case 'Year':
      return int(c().year);
    case 'Month': {
      const m = c().month;
      return new GoNamedInt('time.Month', m, MONTHS[m - 1]);
    }
    case 'Day':
      return int(c().day);
    case 'Hour':
      return int(c().hour);
    case 'Minute':
      return int(c().minute);
    case 'Second':
      return int(c().second);
    case 'Nanosecond':
      return int(c().nanosecond);
    case 'YearDay':
      return int(c().yearDay);
    case 'Weekday': {
      const w = c().weekday;
      return new GoNamedInt('time.Weekday', w, DAYS[w]);
    }
    case 'Unix':
      return int64(Math.floor(t.ms / 1000));
    case 'UnixMilli':
      return int64(Math.floor(t.ms));
    case 'UnixMicro':
      return int64(timeUnixNanos(t) / 1000n);
    case 'UnixNano':
      return int64(timeUnixNanos(t));
    case 'UTC':
      return new GoTime(t.ms, t.nanos, 'UTC');
    case 'Local':
      return new GoTime(t.ms, t.nanos, 'Local');
    case 'IsZero':
      return t.ms === ZERO_TIME_MS && t.nanos === 0;
    case 'String':
      return goTimeString(t);
  }
  return NO_FIELD;
}
