/** A live (non-expired) row of `idempotency_cache`. */
export type IdempotencyRecord =
  | { readonly state: 'in-progress'; readonly requestHash: string }
  | { readonly state: 'done'; readonly requestHash: string; readonly statusCode: number; readonly result: unknown };

/** What `begin` found: the key was free (now ours), or somebody's record. */
export type ClaimOutcome = { readonly state: 'claimed' } | IdempotencyRecord;

/** What to do with a request given what `begin` found; a value, so the rules read as one table. */
export type ClaimDecision =
  | { readonly action: 'proceed' }
  | { readonly action: 'replay'; readonly statusCode: number; readonly result: unknown }
  | { readonly action: 'reject-reused' }
  | { readonly action: 'reject-in-progress' };

export function decideOnClaim(outcome: ClaimOutcome, requestHash: string): ClaimDecision {
  if (outcome.state === 'claimed') return { action: 'proceed' };
  // Another request under the same key is the client's mistake whether or not the first one has finished.
  if (outcome.requestHash !== requestHash) return { action: 'reject-reused' };
  if (outcome.state === 'in-progress') return { action: 'reject-in-progress' };
  return { action: 'replay', statusCode: outcome.statusCode, result: outcome.result };
}

/**
 * Answers that ask the client to try again later (timeout, conflict, too early, too many requests): caching one
 * would replay "try again" to every retry until the record expires.
 */
const RETRY_LATER_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * Whether a finished request's answer is kept for replay. Successes and client errors are: the same request gets
 * the same answer. Server errors are not: the operation may not have happened, so the claim is released for a retry.
 */
export function isReplayableStatus(statusCode: number): boolean {
  return statusCode < 500 && !RETRY_LATER_STATUSES.has(statusCode);
}
