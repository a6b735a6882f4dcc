import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AuthCredentialsRepository } from './auth-credentials.repository';
import { AuthError } from './auth.error';

/**
 * How long a password version read from the database is trusted. Every authenticated request needs the current
 * version (to refuse tokens issued before a password change); caching it this briefly saves a query per request
 * while bounding how long another instance may still accept a revoked token after a change: at most this long.
 * The instance that made the change updates its own cache at once (see `remember`).
 */
export const PASSWORD_VERSION_TTL_MS = 1_000;

/**
 * Current password version with a short TTL. Concurrent misses share one query; a load that started before
 * `remember` cannot overwrite the newer version afterwards.
 */
@Injectable()
export class PasswordVersionCache {
  private cached: { readonly version: number; readonly loadedAtMs: number } | null = null;
  private loading: Promise<number> | null = null;
  /** Bumped by `remember`/`invalidate`, so a load begun before either does not store its stale result. */
  private generation = 0;

  constructor(
    private readonly credentials: AuthCredentialsRepository,
    private readonly clock: Clock,
  ) {}

  async current(): Promise<number> {
    const fresh = this.fresh();
    if (fresh !== undefined) return fresh;
    if (this.loading) return this.loading;
    const loading = this.load().finally(() => {
      if (this.loading === loading) this.loading = null;
    });
    this.loading = loading;
    return loading;
  }

  /** The cached version while it is within its TTL, without a promise (the per-request fast path); else undefined. */
  fresh(): number | undefined {
    const cached = this.cached;
    return cached && this.clock.nowMs() - cached.loadedAtMs < PASSWORD_VERSION_TTL_MS ? cached.version : undefined;
  }

  /** Records a version this instance just wrote: local tokens with an older one are refused immediately. */
  remember(version: number): void {
    this.generation += 1;
    this.loading = null;
    this.cached = { version, loadedAtMs: this.clock.nowMs() };
  }

  invalidate(): void {
    this.generation += 1;
    this.loading = null;
    this.cached = null;
  }

  private async load(): Promise<number> {
    const generation = this.generation;
    const version = await this.credentials.currentVersion();
    if (version === null) throw new AuthError('CREDENTIALS_MISSING');
    if (generation === this.generation) this.cached = { version, loadedAtMs: this.clock.nowMs() };
    return version;
  }
}
