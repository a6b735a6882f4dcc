import type { Delay } from './kernel-ports';

/**
 * The store's two refusals, recognised by their codes (ExecutionError in execution.errors.ts carries them; any store
 * adapter raises the same codes), and the kernel's re-read-and-re-apply loop for the first.
 */

export function isStaleVersion(error: unknown): boolean {
  return codeOf(error) === 'STALE_VERSION';
}

export function isDuplicateClientOrderId(error: unknown): boolean {
  return codeOf(error) === 'DUPLICATE_CLIENT_ORDER_ID';
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

const ATTEMPTS = 3;
const BACKOFF_MS = 10;

/**
 * Runs `fn` and, when the store refuses a stale version, runs it again (up to 3 tries, 10 ms doubling plus jitter
 * between them, waited on `delay`): `fn` re-reads the record and re-applies its change each time. Within one
 * kernel the per-position queue keeps conflicts away; they come from another instance on the same database.
 */
export async function retryOnConflict<T>(delay: Delay, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!isStaleVersion(error) || attempt >= ATTEMPTS) throw error;
      const base = BACKOFF_MS * 2 ** (attempt - 1);
      await delay.wait(base + Math.random() * base);
    }
  }
}
