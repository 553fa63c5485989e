import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatValue } from '../fmt.js';
import { GoTime, int, int64, type GoValue } from '../values.js';
import { sprigFuncs } from './index.js';
import { durationString, formatTime, parseDuration, parseTime, timeField } from './gotime.js';

const call = (name: string, ...args: GoValue[]): GoValue => sprigFuncs[name].fn(...args);
const t0 = new GoTime(Date.UTC(2021, 6, 2, 9, 7, 22), 123456, 'UTC');

test('Go layouts format every standard chunk', () => {
  assert.equal(formatTime(t0, '2006-01-02T15:04:05Z07:00'), '2021-07-02T09:07:22Z');
  assert.equal(formatTime(t0, 'Mon Jan _2 3:4:5 PM 06 MST'), 'Fri Jul  2 9:7:22 AM 21 UTC');
  assert.equal(formatTime(t0, 'Monday January 2 2006 03pm'), 'Friday July 2 2021 09am');
  assert.equal(formatTime(t0, '15:04:05.000000000|.999|,000|.9'), '09:07:22.000123456||,000|');
  assert.equal(formatTime(t0, '-0700 -07:00 -07 Z0700'), '+0000 +00:00 +00 Z');
  assert.equal(formatTime(t0, 'Janet'), 'Janet'); // "Jan" followed by a lower-case letter is literal
  const ny = new GoTime(Date.UTC(2021, 6, 2, 12), 0, 'America/New_York');
  assert.equal(formatTime(ny, '2006-01-02 15:04 -07:00 MST'), '2021-07-02 08:00 -04:00 EDT');
  assert.equal(formatValue(t0), '2021-07-02 09:07:22.000123456 +0000 UTC');
});

test('parsing: layouts, zones, fractional seconds, range checks', () => {
  assert.equal(formatValue(parseTime('2006-01-02', '2021-07-02')), '2021-07-02 00:00:00 +0000 UTC');
  assert.equal(formatValue(parseTime('2006-01-02 15:04:05', '2021-07-02 09:07:22.5')), '2021-07-02 09:07:22.5 +0000 UTC');
  assert.equal(formatValue(parseTime('2006-01-02T15:04:05Z07:00', '2021-07-02T09:07:22+02:00')), '2021-07-02 09:07:22 +0200 +0200');
  assert.equal(formatValue(parseTime('Jan 2 2006 3:04PM', 'feb 28 2020 1:05pm'.replace('pm', 'PM'))), '2020-02-28 13:05:00 +0000 UTC');
  assert.throws(() => parseTime('2006-01-02', '2021-02-30'), /day out of range/);
  assert.throws(() => parseTime('2006-01-02', '2021-13-01'), /month out of range/);
  assert.throws(() => parseTime('2006-01-02', '2021-07-02x'), /extra text/);
  assert.throws(() => parseTime('2006-01-02', 'July'), /cannot parse/);
});

test('durations parse and print as Go does', () => {
  assert.equal(parseDuration('1h30m'), 5400000000000n);
  assert.equal(parseDuration('-1.5s'), -1500000000n);
  assert.equal(parseDuration('1.5µs'), 1500n);
  assert.throws(() => parseDuration('5'), /missing unit/);
  assert.throws(() => parseDuration('1d'), /unknown unit "d"/);
  assert.throws(() => parseDuration(''), /invalid duration/);
  assert.equal(durationString(0n), '0s');
  assert.equal(durationString(5400000000000n), '1h30m0s');
  assert.equal(durationString(1500000000n), '1.5s');
  assert.equal(durationString(1500n), '1.5µs');
  assert.equal(durationString(-2000000n), '-2ms');
});

test('Sprig date functions', () => {
  assert.equal(call('date', '2006-01-02', int(0)), '1970-01-01');
  assert.equal(call('date', '2006-01-02 15:04', int64(1625216842)), '2021-07-02 09:07');
  assert.match(call('date', '2006', 3.5) as string, /^20\d\d$/); // a float64 means "now"
  assert.equal(call('dateInZone', '15:04 MST', t0, 'No/Such_Zone'), '09:07 UTC');
  assert.equal(call('dateInZone', '15:04 MST', t0, 'Asia/Tokyo'), '18:07 JST');
  assert.equal(call('htmlDateInZone', t0, 'UTC'), '2021-07-02');
  assert.equal(formatValue(call('dateModify', '+90m', t0)), '2021-07-02 10:37:22.000123456 +0000 UTC');
  assert.equal(call('dateModify', 'bogus', t0), t0);
  assert.equal(formatValue(call('toDate', '2006-01-02', 'not a date')), '0001-01-01 00:00:00 +0000 UTC');
  assert.equal(call('unixEpoch', t0), '1625216842');
  assert.match(call('ago', new GoTime(Date.now() - 3_600_000)) as string, /^1h0m[0-2]s$/);
  const now = call('now') as GoTime;
  assert.ok(Math.abs(now.ms - Date.now()) < 5000);
});

test('time.Time methods visible to templates', () => {
  assert.equal(formatValue(timeField(t0, 'Year') as GoValue), '2021');
  assert.equal(formatValue(timeField(t0, 'Month') as GoValue), 'July');
  assert.equal(formatValue(timeField(t0, 'Weekday') as GoValue), 'Friday');
  assert.equal(formatValue(timeField(t0, 'YearDay') as GoValue), '183');
  assert.equal(formatValue(timeField(t0, 'UnixNano') as GoValue), '1625216842000123456');
});

test('zone abbreviations as tzdata spells them', () => {
  const at = (zone: string, month: number): string => formatTime(new GoTime(Date.UTC(2021, month, 2, 12), 0, zone), 'MST');
  assert.equal(at('Europe/Berlin', 0), 'CET');
  assert.equal(at('Europe/Berlin', 6), 'CEST');
  assert.equal(at('Europe/London', 0), 'GMT');
  assert.equal(at('Europe/London', 6), 'BST');
  assert.equal(at('America/Los_Angeles', 0), 'PST');
  assert.equal(at('Asia/Kolkata', 0), 'IST');
  assert.equal(at('Asia/Shanghai', 0), 'CST');
  assert.equal(at('Asia/Dubai', 0), '+04');
  assert.equal(at('Etc/UTC', 0), 'UTC');
});

test('parsed zones: Z and UTC use UTC, other names and offsets make fixed zones', () => {
  assert.equal(parseTime('2006-01-02T15:04:05Z07:00', '2021-07-02T09:07:22Z').zone, 'UTC');
  assert.equal(formatValue(parseTime('2006-01-02 15:04 MST', '2021-07-02 09:07 PDT')), '2021-07-02 09:07:00 +0000 PDT');
  assert.equal(formatValue(parseTime('2006-01-02 15:04 MST', '2021-07-02 09:07 GMT+2')), '2021-07-02 09:07:00 +0200 GMT+2');
  assert.equal(formatValue(parseTime('2006-01-02 15:04 -0700 MST', '2021-07-02 09:07 +0200 CEST')), '2021-07-02 09:07:00 +0200 CEST');
  assert.equal(formatValue(parseTime('2006-01-02 15:04', '2021-07-02 09:07', 'Europe/Berlin')), '2021-07-02 09:07:00 +0200 CEST');
});

test('now carries a monotonic reading that String shows and In/UTC drop', () => {
  const now = call('now') as GoTime;
  assert.match(formatValue(now), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC m=\+\d+\.\d{9}$/);
  assert.match(formatValue(call('dateModify', '1h', now)), / m=\+\d+\.\d{9}$/);
  assert.doesNotMatch(formatValue(timeField(now, 'UTC') as GoValue), /m=/);
});
