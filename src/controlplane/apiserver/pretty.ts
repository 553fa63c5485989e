/**
 * Indented JSON responses. kube-apiserver indents its JSON when asked with `?pretty=` (a Go
 * boolean) and, without that parameter, for clients that are browsers or command-line HTTP
 * tools (curl, Wget), so `curl` against the server or through `kubectl proxy` reads nicely.
 */
import type { IncomingMessage } from 'node:http';

const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const PRETTY_AGENTS = ['curl', 'Wget', 'Mozilla/5.0'];

/** Whether the request asks for indented JSON. */
export function wantsPrettyJson(req: IncomingMessage, query: URLSearchParams): boolean {
  const pretty = query.get('pretty');
  if (pretty) return GO_TRUE.has(pretty);
  const agent = String(req.headers['user-agent'] ?? '');
  return PRETTY_AGENTS.some((a) => agent.startsWith(a));
}

/**
 * Indents compact JSON text by two spaces per level, as Go's json.Indent does: key order and
 * number spelling stay as they are, empty objects and arrays stay `{}` and `[]`.
 */
export function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Copy the whole string, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) {
        out += c + close;
        i++;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') out += ',' + newline();
    else if (c === ':') out += ': ';
    else if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') out += c;
  }
  return out;
}
