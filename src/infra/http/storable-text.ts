/**
 * Text PostgreSQL cannot store as given: NUL (refused by `text`/`jsonb`: "invalid byte sequence for encoding
 * UTF8: 0x00", a 500 after the fact) and lone UTF-16 surrogates (from JSON `\ud800` escapes; the driver would
 * silently turn them into U+FFFD). Found at the edge, they become a 400 naming the field instead.
 */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/**
 * Paths (`a.b[2].c`, keys included) of every string in `value` that is not storable. Iterative, so a deep value
 * cannot overflow the stack (bodies are depth-limited at parse time anyway, see json-body.ts).
 */
export function unstorableTextPaths(value: unknown): string[] {
  const found: string[] = [];
  const stack: Array<{ readonly path: string; readonly value: unknown }> = [{ path: '', value }];
  while (stack.length > 0) {
    const { path, value: current } = stack.pop() as { path: string; value: unknown };
    if (typeof current === 'string') {
      if (!isStorableText(current)) found.push(path || 'value');
    } else if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push({ path: `${path}[${i}]`, value: item }));
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        const itemPath = path ? `${path}.${key}` : key;
        if (!isStorableText(key)) found.push(itemPath);
        stack.push({ path: itemPath, value: item });
      }
    }
  }
  return found.sort();
}
