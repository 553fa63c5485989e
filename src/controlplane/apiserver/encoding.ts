/**
 * JSON text of API objects, cached for stored objects: the store freezes every object it keeps,
 * so a frozen object's text never goes stale and GET, LIST and WATCH serialise it once.
 */

const texts = new WeakMap<object, string>();

/** JSON.stringify(value), remembered for frozen objects. */
export function jsonText(value: unknown): string {
  if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return JSON.stringify(value);
  let text = texts.get(value);
  if (text === undefined) texts.set(value, (text = JSON.stringify(value)));
  return text;
}

/**
 * The JSON of `obj` without its apiVersion and kind members (built-in list items), cut from the
 * cached text when those are its first two members (in either order), as stored objects have them.
 */
export function jsonTextWithoutTypeMeta(obj: { apiVersion?: unknown; kind?: unknown }): string {
  const text = jsonText(obj);
  if (typeof obj.apiVersion === 'string' && typeof obj.kind === 'string') {
    // Stored built-ins open with kind then apiVersion (Go's order); custom resources the other way.
    const a = `"apiVersion":${JSON.stringify(obj.apiVersion)}`;
    const k = `"kind":${JSON.stringify(obj.kind)}`;
    for (const prefix of [`{${k},${a},`, `{${a},${k},`]) if (text.startsWith(prefix)) return `{${text.slice(prefix.length)}`;
  }
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

/** JSON of `envelope` with a last member `key` holding an array whose elements are already JSON text. */
export function jsonWithArray(envelope: Record<string, unknown>, key: string, elements: string[]): string {
  const head = JSON.stringify({ ...envelope, [key]: [] });
  return `${head.slice(0, -2)}${elements.join(',')}]}`;
}
