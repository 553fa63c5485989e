import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tok, lex, tokenString } from './lexer.js';

/** Compact view of the tokens: TYPE:value, spaces dropped. */
function toks(src: string): string[] {
  return lex(src)
    .filter((t) => t.type !== Tok.Space)
    .map((t) => `${Tok[t.type]}:${t.val}`);
}

describe('lexer', () => {
  it('splits text and actions', () => {
    assert.deepEqual(toks('a {{ .x }} b'), ['Text:a ', 'LeftDelim:{{', 'Field:.x', 'RightDelim:}}', 'Text: b', 'EOF:']);
  });

  it('reads every operand kind', () => {
    assert.deepEqual(toks(`{{ $v := .a.b | f 1.5e3 -2 0x1F 'c' "s\\"q" \`raw\` true nil . $ (x) }}`), [
      'LeftDelim:{{',
      'Variable:$v',
      'Declare::=',
      'Field:.a',
      'Field:.b',
      'Pipe:|',
      'Identifier:f',
      'Number:1.5e3',
      'Number:-2',
      'Number:0x1F',
      "CharConstant:'c'",
      'String:"s\\"q"',
      'RawString:`raw`',
      'Bool:true',
      'Nil:nil',
      'Dot:.',
      'Variable:$',
      'LeftParen:(',
      'Identifier:x',
      'RightParen:)',
      'RightDelim:}}',
      'EOF:',
    ]);
  });

  it('recognises keywords and complex numbers', () => {
    assert.deepEqual(
      toks('{{ if }}{{ else }}{{ end }}{{ 1+2i }}').filter((t) => !t.startsWith('LeftDelim') && !t.startsWith('RightDelim')),
      ['If:if', 'Else:else', 'End:end', 'Complex:1+2i', 'EOF:'],
    );
  });

  it('trims whitespace around trim markers, including newlines', () => {
    assert.deepEqual(toks('a \n\t{{- .x -}} \r\n b'), ['Text:a', 'LeftDelim:{{', 'Field:.x', 'RightDelim:}}', 'Text:b', 'EOF:']);
  });

  it('reads {{-3}} as the number -3, not a trim marker', () => {
    assert.deepEqual(toks('a {{-3}} b'), ['Text:a ', 'LeftDelim:{{', 'Number:-3', 'RightDelim:}}', 'Text: b', 'EOF:']);
  });

  it('reads comments, trimmed or not', () => {
    assert.deepEqual(toks('a {{- /* c */ -}} b{{/* d */}}'), ['Text:a', 'Comment:/* c */', 'Text:b', 'Comment:/* d */', 'EOF:']);
  });

  it('tracks line numbers across text, raw strings and multi-line actions', () => {
    const tokens = lex('l1\n{{ `a\nb`\n .x }}\n{{ .y }}');
    const y = tokens.find((t) => t.val === '.y')!;
    const x = tokens.find((t) => t.val === '.x')!;
    assert.equal(x.line, 4);
    assert.equal(y.line, 5);
  });

  const errors: [string, string][] = [
    ['{{ .x', 'unclosed action'],
    ['{{ "abc }}', 'unterminated quoted string'],
    ['{{ `abc }}', 'unterminated raw quoted string'],
    ["{{ 'a }}", 'unterminated character constant'],
    ['{{/* x }}', 'unclosed comment'],
    ['{{/* x */ }}', 'comment ends before closing delimiter'],
    ['{{ (x }}', 'unclosed left paren'],
    ['{{ 3x }}', 'bad number syntax: "3x"'],
    ['{{ .a# }}', "bad character U+0023 '#'"],
    ['{{ : }}', 'expected :='],
    ['{{ \u00a7 }}', "unrecognized character in action: U+00A7 '\u00a7'"],
  ];
  for (const [src, msg] of errors) {
    it(`reports ${msg}`, () => {
      const last = lex(src).at(-1)!;
      assert.equal(last.type, Tok.Error);
      assert.equal(last.val, msg);
    });
  }

  it('formats tokens for error messages like Go', () => {
    const [, , field] = lex('{{ .abcdefghijklmnop }}');
    assert.equal(tokenString(field), '".abcdefghi"...');
    const kw = lex('{{ end }}').find((t) => t.type === Tok.End)!;
    assert.equal(tokenString(kw), '<end>');
  });
});
