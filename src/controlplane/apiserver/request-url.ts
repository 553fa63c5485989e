/** A request's URL, parsed once however many layers (authorisation, routing) read it. */
import type { IncomingMessage } from 'node:http';

const parsed = new WeakMap<IncomingMessage, URL>();

/** The request's URL against a dummy origin; shared, so callers must not change it. */
export function requestUrl(req: IncomingMessage): URL {
  let url = parsed.get(req);
  if (!url) parsed.set(req, (url = new URL(req.url ?? '/', 'http://x')));
  return url;
}
