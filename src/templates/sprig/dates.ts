/** Sprig v2.22 date functions (date.go). The local zone is UTC. */
import { FuncError, GoInt, GoTime, type FuncMap, type GoValue } from '../values.js';
import {
  GoMonoTime,
  durationString,
  formatTime,
  loadLocation,
  parseDuration,
  parseTime,
  roundDuration,
  timeAddNanos,
  timeFromUnix,
  timeUnixNanos,
  TimeParseError,
  ZERO_TIME_MS,
} from './gotime.js';
import { def } from './strings.js';

const processStart = process.hrtime.bigint() - BigInt(Math.round(process.uptime() * 1e9));

/** time.Now(): wall clock (milliseconds plus sub-millisecond nanoseconds) and a monotonic reading. */
export function now(): GoTime {
  const mono = process.hrtime.bigint();
  return new GoMonoTime(Date.now(), Number(mono % 1000000n), 'Local', mono - processStart);
}

/** The time a date argument stands for: a time, or int/int64/int32 Unix seconds; anything else means now. */
function asTime(date: GoValue): GoTime {
  if (date instanceof GoTime) return date;
  if (date instanceof GoInt && (date.kind === 'int' || date.kind === 'int64' || date.kind === 'int32')) return timeFromUnix(Number(date.value));
  return now();
}

function inZone(t: GoTime, zone: string): GoTime {
  const loc = loadLocation(zone) ?? 'UTC';
  return new GoTime(t.ms, t.nanos, loc);
}

function dateInZone(fmt: string, date: GoValue, zone: string): string {
  return formatTime(inZone(asTime(date), zone), fmt);
}

function dateModify(fmt: string, date: GoTime): GoTime {
  let d: bigint;
  try {
    d = parseDuration(fmt);
  } catch {
    return date;
  }
  return timeAddNanos(date, d);
}

function ago(date: GoValue): string {
  let t: GoTime;
  if (date instanceof GoTime) t = date;
  else if (date instanceof GoInt && (date.kind === 'int' || date.kind === 'int64')) t = timeFromUnix(Number(date.value));
  else t = now();
  const since = timeUnixNanos(now()) - timeUnixNanos(t);
  return durationString(roundDuration(since, 1000000000n));
}

function toDate(fmt: string, str: string): GoTime {
  try {
    return parseTime(fmt, str, 'Local');
  } catch (e) {
    if (e instanceof TimeParseError) return new GoTime(ZERO_TIME_MS, 0, 'UTC');
    throw e;
  }
}

export const dateFuncs: FuncMap = {
  date: def(['string', 'interface {}'], (fmt: string, date: GoValue) => dateInZone(fmt, date, 'Local')),
  date_in_zone: def(['string', 'interface {}', 'string'], dateInZone),
  dateInZone: def(['string', 'interface {}', 'string'], dateInZone),
  date_modify: def(['string', 'time.Time'], dateModify),
  dateModify: def(['string', 'time.Time'], dateModify),
  now: def([], now),
  htmlDate: def(['interface {}'], (date: GoValue) => dateInZone('2006-01-02', date, 'Local')),
  htmlDateInZone: def(['interface {}', 'string'], (date: GoValue, zone: string) => dateInZone('2006-01-02', date, zone)),
  ago: def(['interface {}'], ago),
  toDate: def(['string', 'string'], toDate),
  unixEpoch: def(['time.Time'], (t: GoTime) => {
    if (!(t instanceof GoTime)) throw new FuncError('unixEpoch: not a time.Time');
    return String(Math.floor(t.ms / 1000));
  }),
};
