/**
 * The one polling helper of the specs: something asynchronous (a push, a background write, a reconnect) has no
 * signal a test can await, so the spec reads until the value is what it waits for.
 */
export interface WaitForOptions<T> {
  /** Accepts the value read; default: truthy. */
  readonly until?: (value: T) => boolean;
  /** Default 5000. */
  readonly timeoutMs?: number;
  /** Pause between reads; default 10 ms. */
  readonly intervalMs?: number;
  /** Named in the timeout error. */
  readonly what?: string;
}

/**
 * Reads (sync or async) until `until(value)` holds and resolves with that value; after `timeoutMs` throws naming
 * `what` and the last value read. `waitFor(check, 3000, 'x')` is short for
 * `waitFor(check, { timeoutMs: 3000, what: 'x' })`.
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  options: WaitForOptions<T> | number = {},
  what?: string,
): Promise<T> {
  const o: WaitForOptions<T> = typeof options === 'number' ? { timeoutMs: options, what } : options;
  const timeoutMs = o.timeoutMs ?? 5000;
  const intervalMs = o.intervalMs ?? 10;
  const until = o.until ?? ((value: T) => Boolean(value));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A read that throws fails the wait at once: an assertion inside it holds on every read, not eventually.
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${o.what ?? 'condition'} (last: ${describe(value)})`,
      );
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
  } catch {
    return String(value);
  }
}
