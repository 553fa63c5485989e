/** Reading repository files from http(s):// and file:// URLs (and plain paths). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI_VERSION } from '../cli/commands/version.js';

export class FetchError extends Error {}

export const isUrl = (s: string): boolean => /^(https?|file):\/\//i.test(s) || /^file:/i.test(s);

/** `<base>/<file>` with exactly one slash between them. */
export const joinUrl = (base: string, file: string): string => `${base.replace(/\/+$/, '')}/${file}`;

export async function fetchBytes(url: string, timeoutMs = 30_000): Promise<Buffer> {
  if (/^file:/i.test(url)) {
    const path = url.startsWith('file://') ? fileURLToPath(url) : url.slice(5);
    try {
      return readFileSync(path);
    } catch (e) {
      throw new FetchError(`cannot read ${url}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (!/^https?:\/\//i.test(url)) {
    try {
      return readFileSync(url);
    } catch (e) {
      throw new FetchError(`cannot read ${url}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'User-Agent': `KUDO/${CLI_VERSION}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new FetchError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (res.status !== 200) throw new FetchError(`${url} answered with HTTP ${res.status} ${res.statusText}`.trimEnd());
  return Buffer.from(await res.arrayBuffer());
}
