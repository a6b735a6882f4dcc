import { getRounds } from 'bcryptjs';
import { performance } from 'node:perf_hooks';
import { BCRYPT_COST, BcryptPasswordHasher } from './password-hasher';

describe(BcryptPasswordHasher.name, () => {
  let sut: BcryptPasswordHasher;
  afterEach(() => sut.onModuleDestroy());

  it('should hash with cost 12 by default and verify only the same password', async () => {
    sut = new BcryptPasswordHasher();

    const hash = await sut.hash('a-password-to-hash');

    expect(BCRYPT_COST).toBe(12);
    expect(getRounds(hash)).toBe(12);
    expect(hash).toMatch(/^\$2[aby]\$12\$.{53}$/);
    expect(await sut.verify('a-password-to-hash', hash)).toBe(true);
    expect(await sut.verify('a-password-to-hasH', hash)).toBe(false);
  });

  it('should salt: the same password hashes differently each time', async () => {
    sut = new BcryptPasswordHasher(4);

    expect(await sut.hash('same')).not.toBe(await sut.hash('same'));
  });

  it('should keep the event loop free while hashing at cost 12', async () => {
    sut = new BcryptPasswordHasher();
    await sut.hash('warm-up'); // worker start-up is not what this measures
    const before = performance.eventLoopUtilization();

    await Promise.all([sut.hash('first-password'), sut.hash('second-password')]);

    // Main-thread utilisation only: on the main thread bcryptjs would keep the loop busy (~1); off-thread it idles.
    // Utilisation rather than lag, so a loaded CI machine does not make this flaky.
    expect(performance.eventLoopUtilization(before).utilization).toBeLessThan(0.3);
  });

  it('should keep working after close by starting a new worker', async () => {
    sut = new BcryptPasswordHasher(4);
    await sut.hash('before');

    await sut.onModuleDestroy();

    expect(await sut.verify('after', await sut.hash('after'))).toBe(true);
  });

  it('should never match a malformed stored hash', async () => {
    sut = new BcryptPasswordHasher(4);

    expect(await sut.verify('anything', 'not-a-bcrypt-hash')).toBe(false);
  });

  it('should surface a bcrypt failure as a rejected promise and keep serving', async () => {
    sut = new BcryptPasswordHasher('not-a-cost' as unknown as number); // bcryptjs throws "Invalid salt version"

    await expect(sut.hash('whatever')).rejects.toThrow(/bcrypt failed/);
    expect(await sut.verify('whatever', '$2b$04$0000000000000000000000000000000000000000000000000000')).toBe(false);
  });
});
