import bcrypt from 'bcryptjs';
import { BcryptQueueFullError, BcryptWorker } from './bcrypt-worker';

describe(BcryptWorker.name, () => {
  let sut: BcryptWorker;
  afterEach(() => sut.close());

  it('should run a priority job right after the one running, ahead of the normal lane', async () => {
    sut = new BcryptWorker(4);
    const hash = bcrypt.hashSync('pw', 8);
    const order: string[] = [];
    const normal = [0, 1, 2, 3].map((i) =>
      sut.run({ op: 'compare', password: 'wrong', hash }).then(() => void order.push(`normal-${i}`)),
    );
    const priority = sut.run({ op: 'compare', password: 'pw', hash }, { priority: true }).then((ok) => {
      order.push('priority');
      return ok;
    });
    expect(await priority).toBe(true);
    await Promise.all(normal);
    expect(order.indexOf('priority')).toBe(1);
  });

  it('should refuse normal jobs beyond the bound instead of queueing them, but never a priority one', async () => {
    sut = new BcryptWorker(2);
    const hash = bcrypt.hashSync('pw', 6);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => sut.run({ op: 'compare', password: 'x', hash })),
    );
    // One running, two waiting; the other three refused at once.
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof BcryptQueueFullError)).toHaveLength(3);
    await expect(sut.run({ op: 'compare', password: 'pw', hash }, { priority: true })).resolves.toBe(true);
  });
});
