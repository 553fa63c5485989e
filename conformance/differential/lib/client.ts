/** HTTPS requests and watch streams against either server (self-signed certificates accepted). */
import { request } from 'node:https';

export interface Answer {
  status: number;
  contentType: string;
  warnings: string[];
  text: string;
}

export interface Call {
  method: string;
  url: string;
  /** A bearer token, or a client certificate and key (PEM). */
  token?: string;
  cert?: { certPem?: string; keyPem?: string };
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
}

const USER_AGENT = 'differential/v1.0.0 (linux/amd64) kudo-ts';

function headersOf(call: Call): Record<string, string> {
  const h: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'application/json' };
  if (call.token) h.Authorization = `Bearer ${call.token}`;
  if (call.body !== undefined) {
    h['Content-Type'] = 'application/json';
    // Node sends DELETE bodies without framing unless the length is given.
    h['Content-Length'] = String(Buffer.byteLength(call.body));
  }
  for (const [k, v] of Object.entries(call.headers)) {
    const existing = Object.keys(h).find((x) => x.toLowerCase() === k.toLowerCase());
    if (existing) delete h[existing];
    if (v !== '') h[k] = v;
  }
  return h;
}

function tlsOf(call: Call): { cert?: string; key?: string } {
  return call.cert?.certPem ? { cert: call.cert.certPem, key: call.cert.keyPem } : {};
}

function warningsOf(raw: string | string[] | undefined): string[] {
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  // `299 - "text"`, possibly several in one header separated by commas.
  return list.flatMap((h) => [...h.matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1')));
}

export function send(call: Call): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(call.url, { method: call.method, headers: headersOf(call), rejectUnauthorized: false, ...tlsOf(call) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? '')
            .split(';')[0]
            .trim(),
          warnings: warningsOf(res.headers.warning),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(call.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer within ${(call.timeoutMs ?? 30_000) / 1000}s`)));
    req.on('error', reject);
    // Oversize bodies may be refused before they are fully sent; the answer still arrives.
    req.on('error', () => undefined);
    req.end(call.body);
  });
}

export interface WatchResult {
  status: number;
  /** The answer's body when the watch was refused (status other than 200). */
  text: string;
  events: { type: string; object: unknown }[];
}

export interface Watch {
  /** Stops the watch and returns what arrived. */
  stop(): Promise<WatchResult>;
}

/** Opens a watch; events are kept until `stop`. */
export function watch(call: Call): Watch {
  const result: WatchResult = { status: 0, text: '', events: [] };
  let pending = '';
  let ended = false;
  let endResolve: () => void = () => undefined;
  const done = new Promise<void>((r) => (endResolve = r));
  const req = request(call.url, { method: 'GET', headers: headersOf(call), rejectUnauthorized: false, ...tlsOf(call) }, (res) => {
    result.status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (result.status !== 200) {
        result.text += chunk;
        return;
      }
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          result.events.push(JSON.parse(line) as WatchResult['events'][number]);
        } catch {
          result.events.push({ type: 'UNPARSEABLE', object: line });
        }
      }
    });
    res.on('end', () => {
      ended = true;
      endResolve();
    });
    res.on('error', () => endResolve());
  });
  req.on('error', () => endResolve());
  req.end();
  return {
    async stop() {
      if (!ended) req.destroy();
      await Promise.race([done, new Promise((r) => setTimeout(r, 200))]);
      return result;
    },
  };
}
