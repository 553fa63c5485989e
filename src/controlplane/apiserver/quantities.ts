/** Stores resource quantities of built-in kinds canonically, as the API server does (`0.3` → `300m`). */
import { canonicalizeQuantity } from '../../k8s/quantity.js';

/** Keys whose values are maps of resource name → quantity in the built-in types. */
const QUANTITY_MAPS = new Set(['requests', 'limits', 'capacity', 'allocatable', 'hard', 'used', 'overhead']);
/** Keys whose values are single quantities. */
const QUANTITY_FIELDS = new Set(['sizeLimit']);

export function canonicalizeQuantities(obj: unknown): void {
  walk(obj, 0);
}

function walk(v: unknown, depth: number): void {
  if (depth > 40 || !v || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const [k, child] of Object.entries(o)) {
    if (k === 'metadata') continue;
    if (QUANTITY_MAPS.has(k) && child && typeof child === 'object' && !Array.isArray(child)) {
      const map = child as Record<string, unknown>;
      for (const [name, q] of Object.entries(map)) map[name] = canonical(q);
    } else if (QUANTITY_FIELDS.has(k) && (typeof child === 'string' || typeof child === 'number')) {
      o[k] = canonical(child);
    } else {
      walk(child, depth + 1);
    }
  }
}

function canonical(q: unknown): unknown {
  if (typeof q !== 'string' && typeof q !== 'number') return q;
  try {
    return canonicalizeQuantity(q);
  } catch {
    return q; // validation reports malformed quantities; storage keeps them as sent
  }
}
