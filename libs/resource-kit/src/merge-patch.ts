import { apply } from 'json-merge-patch';

// RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else
// (arrays included) replaces. Inputs were already checked by guardDocument (no prototype keys).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386 via the `json-merge-patch` package, on copies (the package mutates its target). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return apply(clone(target) ?? {}, clone(patch));
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Deep merge for layered defaults: objects merge key by key, later layers win, arrays replace. */
export function deepMerge(...layers: unknown[]): Record<string, unknown> {
  let out: unknown = {};
  for (const layer of layers) {
    if (layer === undefined || layer === null) continue;
    out = mergeTwo(out, layer);
  }
  return out as Record<string, unknown>;
}

function mergeTwo(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return clone(b);
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined || v === null) continue;
    out[k] = k in out ? mergeTwo(out[k], v) : clone(v);
  }
  return out;
}

/** Removes keys whose value is null, recursively (a null in a create body means "not set"). */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = dropNulls(val);
  return out;
}

/** Canonical JSON (sorted keys) for comparing documents. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
