import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFloat, formatValue, quoteString, sprint, sprintf, sprintln, compareGoStrings } from './fmt.js';
import { GoInt, GoTime, int, int64, setMapType, setSliceType, type GoValue } from './values.js';

const u8 = (n: number): GoInt => new GoInt(BigInt(n), 'uint8');

test('Sprint spaces operands only when neither is a string', () => {
  assert.equal(sprint(['a', 'b']), 'ab');
  assert.equal(sprint(['a', int(1), int(2), 'b', 3.5, true]), 'a1 2b3.5 true');
  assert.equal(sprint([int(1), int(2), int(3)]), '1 2 3');
  assert.equal(sprint([int(1), null, 'x', null]), '1 <nil>x<nil>');
  assert.equal(sprint([]), '');
});

test('Sprintln always separates and ends with a newline', () => {
  assert.equal(sprintln(['a', 'b', int(1)]), 'a b 1\n');
  assert.equal(sprintln([]), '\n');
});

test('%v of floats uses the shortest digits and exponent from 1e21 / below 1e-4', () => {
  const cases: [number, string][] = [
    [1, '1'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [1e20, '1e+20'],
    [100000, '100000'],
    [1000000, '1e+06'],
    [1234567.891, '1.234567891e+06'],
    [12345678, '1.2345678e+07'],
    [0.0001, '0.0001'],
    [0.000012, '1.2e-05'],
    [3.0, '3'],
    [-0, '-0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [1e23, '1e+23'],
    [-2.5, '-2.5'],
    [123456, '123456'],
  ];
  for (const [f, want] of cases) assert.equal(formatValue(f), want, String(f));
});

test('strconv.FormatFloat with fixed precision rounds half to even on the exact value', () => {
  assert.equal(formatFloat(0.5, 'f', 0), '0');
  assert.equal(formatFloat(1.5, 'f', 0), '2');
  assert.equal(formatFloat(2.5, 'f', 0), '2');
  assert.equal(formatFloat(0.25, 'f', 1), '0.2');
  assert.equal(formatFloat(0.35, 'f', 1), '0.3'); // 0.35 is 0.34999...
  assert.equal(formatFloat(-1.005, 'f', 2), '-1.00');
  assert.equal(formatFloat(9.999, 'f', 2), '10.00');
  assert.equal(formatFloat(1234.5678, 'e', 6), '1.234568e+03');
  assert.equal(formatFloat(0, 'e', 3), '0.000e+00');
  assert.equal(formatFloat(1e100, 'e', 2), '1.00e+100');
  assert.equal(formatFloat(1234567, 'g', 3), '1.23e+06');
  assert.equal(formatFloat(0.1, 'G', 17), '0.10000000000000001');
  assert.equal(formatFloat(5e-324, 'e', 3), '4.941e-324');
  assert.equal(formatFloat(1e23, 'f', -1), '100000000000000000000000');
  assert.equal(formatFloat(2.5e-5, 'f', -1), '0.000025');
  assert.equal(formatFloat(1, 'b', -1), '4503599627370496p-52');
  assert.equal(formatFloat(1, 'x', -1), '0x1p+00');
  assert.equal(formatFloat(-3.5, 'x', -1), '-0x1.cp+01');
  assert.equal(formatFloat(1, 'x', 3), '0x1.000p+00');
  assert.equal(formatFloat(NaN, 'g', -1), 'NaN');
  assert.equal(formatFloat(-Infinity, 'g', -1), '-Inf');
});

test('Sprintf verbs on strings, ints, floats, bools', () => {
  const cases: [string, GoValue[], string][] = [
    ['%s', ['hello'], 'hello'],
    ['%d', [int(42)], '42'],
    ['%q', ['Hello, Wörld! <b>&\'"'], '"Hello, Wörld! <b>&\'\\""'],
    ['%q', [int(65)], "'A'"],
    ['%q', [int(39)], "'\\''"],
    ['%x', ['hello'], '68656c6c6f'],
    ['% x', ['abc'], '61 62 63'],
    ['%# X', ['abc'], '0X61 0X62 0X63'],
    ['%x', [int(255)], 'ff'],
    ['%X', [int(-255)], '-FF'],
    ['%#x', [int(255)], '0xff'],
    ['%o %O %#o %b %#b', [int(8), int(8), int(8), int(5), int(5)], '10 0o10 010 101 0b101'],
    ['%e', [1234.5678], '1.234568e+03'],
    ['%E', [1234.5678], '1.234568E+03'],
    ['%f', [3.14159], '3.141590'],
    ['%F', [3.14159], '3.141590'],
    ['%5.2f|', [3.14159], ' 3.14|'],
    ['%6.2f|', [-1.005], ' -1.00|'],
    ['%08.3f', [-3.14159], '-003.142'],
    ['%+.3e', [0], '+0.000e+00'],
    ['% .1f', [2], ' 2.0'],
    ['%g', [1e-7], '1e-07'],
    ['%#g', [1], '1.00000'],
    ['%10.4v|', [Math.PI], '     3.142|'],
    ['%-8s|', ['hello'], 'hello   |'],
    ['%8s|', ['hello'], '   hello|'],
    ['%05d', [int(42)], '00042'],
    ['%05d', [int(-42)], '-0042'],
    ['%-05d|', [int(42)], '42   |'],
    ['% d', [int(5)], ' 5'],
    ['%+d', [int(42)], '+42'],
    ['%.3d', [int(7)], '007'],
    ['%.0d|', [int(0)], '|'],
    ['%t', [true], 'true'],
    ['%c', [int(65)], 'A'],
    ['%c', [int(-1)], '\ufffd'],
    ['%U', [int(0x2603)], 'U+2603'],
    ['%#U', [int(0x2603)], "U+2603 '☃'"],
    ['%+q', ['héllo wörld ☃'], '"h\\u00e9llo w\\u00f6rld \\u2603"'],
    ['%q', ['a\tb\n\x01\x7f'], '"a\\tb\\n\\x01\\x7f"'],
    ['%#q', ['x'], '`x`'],
    ['%#q', ['`x`'], '"`x`"'],
    ['%.2s', ['héllo'], 'hé'],
    ['%5s|', ['☃'], '    ☃|'],
    ['%05s', ['ab'], '000ab'],
    ['%v', [u8(255)], '255'],
    ['%#v', [u8(255)], '0xff'],
    ['%#v', ['hello'], '"hello"'],
    ['%#v', [1.0], '1'],
    ['%%', [], '%'],
    ['100%%', [], '100%'],
    ['plain', [], 'plain'],
  ];
  for (const [format, args, want] of cases) assert.equal(sprintf(format, args), want, format);
});

test('Sprintf error forms', () => {
  assert.equal(sprintf('%s', [3]), '%!s(float64=3)');
  assert.equal(sprintf('%d', [3]), '%!d(float64=3)');
  assert.equal(sprintf('%d', ['x']), '%!d(string=x)');
  assert.equal(sprintf('%t', ['x']), '%!t(string=x)');
  assert.equal(sprintf('%z', [int(1)]), '%!z(int=1)');
  assert.equal(sprintf('%s', [int64(3)]), '%!s(int64=3)');
  assert.equal(sprintf('%d', [null]), '%!d(<nil>)');
  assert.equal(sprintf('%s', ['a', 'b']), 'a%!(EXTRA string=b)');
  assert.equal(sprintf('x', [int(1), null]), 'x%!(EXTRA int=1, <nil>)');
  assert.equal(sprintf('%v %v', [int(1)]), '1 %!v(MISSING)');
  assert.equal(sprintf('%!', []), '%!!(MISSING)');
  assert.equal(sprintf('%', []), '%!(NOVERB)');
  assert.equal(sprintf('%[3]d', [int(1)]), '%!d(BADINDEX)');
  assert.equal(sprintf('%[2]s %[1]s', ['a', 'b']), 'b a');
  assert.equal(sprintf('%[1]s %[1]s', ['a']), 'a a');
  assert.equal(sprintf('%*d', [int(5), int(3)]), '    3');
  assert.equal(sprintf('%-*d|', [int(3), int(1)]), '1  |');
  assert.equal(sprintf('%*d', [int(-3), int(1)]), '1  ');
  assert.equal(sprintf('%*d', [1.5, int(3)]), '%!(BADWIDTH)3');
  assert.equal(sprintf('%.*f', [int(2), 3.14159]), '3.14');
  assert.equal(sprintf('%.*f', ['x', 3.14159]), '%!(BADPREC)3.141590');
  assert.equal(sprintf('%p', [int(1)]), '%!p(int=1)');
  assert.equal(sprintf('%5t', ['x']), '%!t(string=    x)');
  assert.match(sprintf('%p', [['a']]), /^0x[0-9a-f]+$/);
});

test('Sprintf of maps and slices: sorted keys, verbs applied to elements', () => {
  const map = { b: 2, a: 1, c: 3 };
  const mixed: GoValue = ['x', 1, true, null, 2.5, { k: 'v' }, [1, 2]];
  assert.equal(sprintf('%v', [map]), 'map[a:1 b:2 c:3]');
  assert.equal(sprintf('%v', [mixed]), '[x 1 true <nil> 2.5 map[k:v] [1 2]]');
  assert.equal(sprintf('%s', [map]), 'map[a:%!s(float64=1) b:%!s(float64=2) c:%!s(float64=3)]');
  assert.equal(sprintf('%d', [['a', null]]), '[%!d(string=a) <nil>]');
  assert.equal(sprintf('%x', [['a', 'b', 'c']]), '[61 62 63]');
  assert.equal(sprintf('%5v|', [[int(1), int(2)]]), '[    1     2]|');
  assert.equal(sprintf('%#v', [map]), 'map[string]interface {}{"a":1, "b":2, "c":3}');
  assert.equal(sprintf('%#v', [['a', null]]), '[]interface {}{"a", interface {}(nil)}');
  assert.equal(sprintf('%#v', [setSliceType(['a'], 'string')]), '[]string{"a"}');
  assert.equal(sprintf('%#v', [setMapType({ k: 'v' }, 'string')]), 'map[string]string{"k":"v"}');
  assert.equal(sprintf('%v', [{}]), 'map[]');
  assert.equal(sprintf('%v', [[]]), '[]');
  assert.equal(sprintf('%v', [{ zeta: 'z', alpha: 'a', Beta: 'B', '10': 'ten', '9': 'nine' }]), 'map[10:ten 9:nine Beta:B alpha:a zeta:z]');
  assert.equal(sprintf('%T %T %T %T %T', [int(1), 1.5, 's', ['a'], { a: 1 }]), 'int float64 string []interface {} map[string]interface {}');
  assert.equal(sprintf('%T', [null]), '<nil>');
  assert.equal(sprintf('%v', [null]), '<nil>');
  assert.equal(sprintf('%#v', [null]), '<nil>');
});

test('time.Time prints with its String and GoString methods', () => {
  const t = new GoTime(Date.UTC(2021, 6, 2, 9, 7, 22), 500, 'UTC');
  assert.equal(formatValue(t), '2021-07-02 09:07:22.0000005 +0000 UTC');
  assert.equal(sprintf('%#v', [new GoTime(Date.UTC(2021, 6, 2), 0, 'UTC')]), 'time.Date(2021, time.July, 2, 0, 0, 0, 0, time.UTC)');
  assert.equal(sprintf('%d', [t]).startsWith('%!d(time.Time='), true);
});

test('quoting and Go string order', () => {
  assert.equal(quoteString('\u00a0x\u200b'), '"\\u00a0x\\u200b"');
  assert.equal(quoteString('😀'), '"😀"');
  assert.equal(quoteString('\\'), '"\\\\"');
  assert.ok(compareGoStrings('\uffff', '😀') < 0); // U+FFFF < U+1F600 in UTF-8
  assert.ok(compareGoStrings('10', '9') < 0);
  assert.ok(compareGoStrings('B', 'a') < 0);
});

test('complex128 prints both parts', async () => {
  const { GoComplex } = await import('./complex.js');
  assert.equal(sprintf('%v', [new GoComplex(1, 2)]), '(1+2i)');
  assert.equal(sprintf('%.1f', [new GoComplex(1, -2)]), '(1.0-2.0i)');
  assert.equal(sprintf('%d', [new GoComplex(0, 0)]), '%!d(complex128=(0+0i))');
});

test('time.Month prints its name for %v and its number for %d', async () => {
  const { GoNamedInt } = await import('./sprig/gotime.js');
  const july = new GoNamedInt('time.Month', 7, 'July');
  assert.equal(sprintf('%v %s %d %02d %T', [july, july, july, july, july]), 'July July 7 07 time.Month');
});
