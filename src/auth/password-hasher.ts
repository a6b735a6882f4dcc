import { OnModuleDestroy } from '@nestjs/common';
import { BcryptWorker } from './bcrypt-worker';

/** bcrypt work factor: about a quarter to half a second per hash on a current core, the usual 2020s trade-off. */
export const BCRYPT_COST = 12;

/** bcrypt only reads the first 72 bytes of a password; longer ones are refused rather than silently cut. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** One-way password hashing; a DI token so specs can run a cheaper cost without touching the service. */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;
  /**
   * `priority`: ahead of every other check (a caller trusted by a recent success). Without it the check may be
   * refused with BcryptQueueFullError when too many are waiting.
   */
  abstract verify(password: string, passwordHash: string, options?: { readonly priority?: boolean }): Promise<boolean>;
}

/** bcryptjs (pure JS, no native build), run on a worker thread so hashing never stalls the event loop. */
export class BcryptPasswordHasher extends PasswordHasher implements OnModuleDestroy {
  private readonly worker = new BcryptWorker();

  constructor(private readonly cost: number = BCRYPT_COST) {
    super();
  }

  hash(password: string): Promise<string> {
    // Only an authenticated password change or the bootstrap hash: never behind a flood of guesses.
    return this.worker.run({ op: 'hash', password, cost: this.cost }, { priority: true });
  }

  verify(password: string, passwordHash: string, options: { readonly priority?: boolean } = {}): Promise<boolean> {
    // bcrypt would compare only the first 72 bytes, so "the password + anything" would match: never equal.
    if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES) return Promise.resolve(false);
    return this.worker.run({ op: 'compare', password, hash: passwordHash }, options);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }
}
