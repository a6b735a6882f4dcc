import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit, recursively), arrays in order, `undefined` members
 * dropped (as JSON.stringify drops them), `toJSON()` honoured (so a Date hashes as its ISO string). Two values
 * that serialise to the same JSON up to key order get the same text, so their hashes compare.
 * Throws a TypeError on a bigint or a cycle, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  const text = serialise(value, new Set<object>());
  // A top-level undefined / function has no JSON form; give it a stable one rather than `undefined`.
  return text ?? 'null';
}

/** sha256 (hex, 64 chars) of canonicalJson(value). */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function serialise(value: unknown, ancestors: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return serialise((value as { toJSON: () => unknown }).toJSON(), ancestors);
  }
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint has no JSON form');
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    default:
      break;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors.has(object)) throw new TypeError('canonicalJson: circular structure');
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      // Inside arrays an undefined element becomes null, as in JSON.stringify: positions matter.
      return `[${object.map((item) => serialise(item, ancestors) ?? 'null').join(',')}]`;
    }
    const members: string[] = [];
    for (const key of Object.keys(object).sort()) {
      const member = serialise((object as Record<string, unknown>)[key], ancestors);
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}
