import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { ClientOrderIdSource, clientOrderIdFor } from './domain/client-order-id';
import { assertOperationName, IDEMPOTENCY_KEY_MAX_LENGTH, idempotencyKey } from './domain/idempotency-key';
import { ClaimOutcome, IdempotencyRecord } from './domain/idempotency-record';
import { IdempotencyRepository, IdempotencyRow } from './idempotency.repository';

/** The one setting this service reads; typed narrowly so a test can pass just that. */
export type IdempotencyConfig = { readonly idempotency: Pick<AppConfig['idempotency'], 'ttlMinutes'> };

/**
 * A claim that loses the insert race finds the winner's row; that row can vanish in between (released after a
 * failure, or expired), and then the key is free again. Each round needs another request to finish in between,
 * so a handful of rounds only runs out under a pathological stream of failures on one key.
 */
const MAX_CLAIM_ROUNDS = 5;

/**
 * SPEC §7: deterministic client order ids, and operation results cached in `idempotency_cache` with a TTL so a
 * retried operation is answered from the cache instead of running twice. Usage: `begin` claims the key; the owner
 * runs the operation and then `saveResult` (success, or a failure the client should see again) or `release`
 * (a failure worth retrying). Expiry is judged by the database's clock; expired rows count as absent everywhere.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly repository: IdempotencyRepository,
    @Inject(APP_CONFIG) private readonly config: IdempotencyConfig,
  ) {}

  /** The Bybit orderLinkId of an order, derived from what caused it (domain/client-order-id.ts). */
  generateClientOrderId(source: ClientOrderIdSource): string {
    return clientOrderIdFor(source);
  }

  /** `${operation}:${sha256}`, at most 128 characters; the same params in any key order give the same key. */
  idempotencyKey(operation: string, params: unknown): string {
    return idempotencyKey(operation, params);
  }

  /**
   * Atomically claims `key` for the caller (`{ state: 'claimed' }`) or returns the live record already holding it.
   * An expired record is replaced as if absent. The claim itself lasts `ttlMinutes` (default: the configured TTL),
   * which bounds how long a crashed owner blocks the key.
   */
  async begin(key: string, operation: string, requestHash: string, ttlMinutes?: number): Promise<ClaimOutcome> {
    const row = this.row(key, operation, requestHash, ttlMinutes);
    for (let round = 1; round <= MAX_CLAIM_ROUNDS; round += 1) {
      if (await this.repository.tryClaim(row)) return { state: 'claimed' };
      const holder = await this.repository.findLive(key);
      if (holder !== null) return holder;
    }
    throw new Error(`idempotency key ${key} kept changing hands; gave up after ${MAX_CLAIM_ROUNDS} rounds`);
  }

  /** Marks `key` done with the answer to replay (an upsert: no claim is needed); the TTL counts from now. */
  async saveResult(
    key: string,
    operation: string,
    requestHash: string,
    statusCode: number,
    result: unknown,
    ttlMinutes = this.config.idempotency.ttlMinutes,
  ): Promise<void> {
    await this.repository.saveDone(this.row(key, operation, requestHash, ttlMinutes), statusCode, result);
  }

  /** The live record of `key`, or null when there is none or it has expired. */
  getResult(key: string): Promise<IdempotencyRecord | null> {
    return this.repository.findLive(key);
  }

  /** Frees an in-progress claim so the client can retry; a done record stays. True when a claim was dropped. */
  release(key: string): Promise<boolean> {
    return this.repository.deleteInProgress(key);
  }

  /** Deletes every expired row; returns how many. */
  async cleanupExpired(): Promise<number> {
    const removed = await this.repository.deleteExpired();
    if (removed > 0) this.logger.log({ removed }, `removed ${removed} expired idempotency record(s)`);
    return removed;
  }

  /** Never throws: a failed pass is logged and the next minute retries (expired rows are ignored meanwhile). */
  @Cron(CronExpression.EVERY_MINUTE, { name: 'idempotency-cache-cleanup' })
  async cleanupOnSchedule(): Promise<void> {
    try {
      await this.cleanupExpired();
    } catch (error) {
      this.logger.error({ err: error }, 'idempotency cache cleanup failed; the next run retries');
    }
  }

  private row(
    key: string,
    operation: string,
    requestHash: string,
    ttlMinutes = this.config.idempotency.ttlMinutes,
  ): IdempotencyRow {
    // Programming errors, not client input: the database would refuse these with a less helpful message.
    if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
      throw new RangeError(`idempotency key must be 1..${IDEMPOTENCY_KEY_MAX_LENGTH} characters, got ${key.length}`);
    }
    assertOperationName(operation);
    if (!Number.isFinite(ttlMinutes) || ttlMinutes <= 0)
      throw new RangeError(`ttlMinutes must be positive, got ${ttlMinutes}`);
    // At least 1 ms: the table checks expires_at > created_at, and both start from the same now().
    return { key, operation, requestHash, ttlMs: Math.max(1, Math.round(ttlMinutes * 60_000)) };
  }
}
