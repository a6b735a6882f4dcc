import { FixedClock } from '../common/clock';
import { AuthCredentialsRepository, StoredCredentials } from './auth-credentials.repository';
import { AuthError } from './auth.error';
import { PasswordVersionCache, PASSWORD_VERSION_TTL_MS } from './password-version.cache';

/** A repository whose version reads the spec resolves by hand, to order them against `remember`. */
class ControlledVersionRepository extends AuthCredentialsRepository {
  version: number | null = 1;
  reads = 0;
  private readonly pending: Array<(version: number | null) => void> = [];
  manual = false;

  async currentVersion(): Promise<number | null> {
    this.reads += 1;
    if (!this.manual) return this.version;
    return new Promise((resolve) => this.pending.push(resolve));
  }
  resolveReads(version: number | null): void {
    for (const resolve of this.pending.splice(0)) resolve(version);
  }
  async find(): Promise<StoredCredentials | null> {
    throw new Error('not used by the cache');
  }
  async insertInitial(): Promise<boolean> {
    throw new Error('not used by the cache');
  }
  async replacePassword(): Promise<number | null> {
    throw new Error('not used by the cache');
  }
}

describe(PasswordVersionCache.name, () => {
  let repository: ControlledVersionRepository;
  let clock: FixedClock;
  let sut: PasswordVersionCache;

  beforeEach(() => {
    repository = new ControlledVersionRepository();
    clock = new FixedClock(1_764_000_000_000);
    sut = new PasswordVersionCache(repository, clock);
  });

  it('should read the database once per TTL', async () => {
    expect(await sut.current()).toBe(1);
    repository.version = 2;
    clock.advance(PASSWORD_VERSION_TTL_MS - 1);
    expect(await sut.current()).toBe(1);
    expect(repository.reads).toBe(1);

    clock.advance(1);

    expect(await sut.current()).toBe(2);
    expect(repository.reads).toBe(2);
  });

  it('should offer the cached version synchronously only while it is fresh', async () => {
    expect(sut.fresh()).toBeUndefined();
    await sut.current();
    expect(sut.fresh()).toBe(1);

    clock.advance(PASSWORD_VERSION_TTL_MS);

    expect(sut.fresh()).toBeUndefined();
    sut.remember(3);
    expect(sut.fresh()).toBe(3);
    sut.invalidate();
    expect(sut.fresh()).toBeUndefined();
  });

  it('should keep the TTL within the 2 s bound the design promises', () => {
    expect(PASSWORD_VERSION_TTL_MS).toBeLessThanOrEqual(2_000);
  });

  it('should share one database read among concurrent misses', async () => {
    repository.manual = true;
    const reads = [sut.current(), sut.current(), sut.current()];

    repository.resolveReads(3);

    expect(await Promise.all(reads)).toEqual([3, 3, 3]);
    expect(repository.reads).toBe(1);
  });

  it('should serve a remembered version at once, without reading', async () => {
    await sut.current();

    sut.remember(5);

    expect(await sut.current()).toBe(5);
    expect(repository.reads).toBe(1);
  });

  it('should not let a read begun before remember overwrite the newer version', async () => {
    repository.manual = true;
    const stale = sut.current();

    sut.remember(2);
    repository.resolveReads(1);

    expect(await stale).toBe(1); // the request that raced the change sees what it read
    expect(await sut.current()).toBe(2);
  });

  it('should read again after invalidate', async () => {
    await sut.current();
    repository.version = 4;

    sut.invalidate();

    expect(await sut.current()).toBe(4);
  });

  it('should fail with CREDENTIALS_MISSING when there is no row, and not cache that', async () => {
    repository.version = null;
    await expect(sut.current()).rejects.toEqual(new AuthError('CREDENTIALS_MISSING'));

    repository.version = 1;

    expect(await sut.current()).toBe(1);
  });
});
