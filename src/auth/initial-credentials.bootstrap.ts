import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { AuthCredentialsRepository } from './auth-credentials.repository';
import { PasswordHasher } from './password-hasher';

/**
 * Seeds the password from APP_PASSWORD (or the generated one under DATA_DIR) on the first start only.
 * Once a row exists the database wins: a password changed through the API survives restarts, and editing
 * APP_PASSWORD later has no effect. To fall back to APP_PASSWORD (forgotten password), delete the row
 * (`DELETE FROM auth_credentials;`) and restart.
 * Runs at module init, i.e. before the HTTP server listens, so no request ever sees an empty table.
 */
@Injectable()
export class InitialCredentialsBootstrap implements OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly credentials: AuthCredentialsRepository,
    private readonly hasher: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const existing = await this.credentials.find();
    if (existing) {
      await this.reportExisting(existing.passwordVersion, existing.passwordHash);
      return;
    }
    // Hashing before the insert means two instances starting together both hash; ON CONFLICT keeps one row.
    const created = await this.credentials.insertInitial(await this.hasher.hash(this.config.auth.initialPassword));
    if (!created) return;
    if (this.config.auth.initialPasswordGenerated) {
      this.logger.warn(
        `No APP_PASSWORD was set: a generated initial password is in ${this.initialPasswordFile()}. ` +
          'Log in with it and change it with POST /auth/change-password.',
      );
    } else {
      this.logger.log('Initial password set from APP_PASSWORD');
    }
  }

  private async reportExisting(version: number, passwordHash: string): Promise<void> {
    if (this.config.auth.initialPasswordGenerated) {
      if (version === 1) {
        this.logger.warn(`The generated initial password (in ${this.initialPasswordFile()}) has not been changed yet`);
      }
      return;
    }
    // An operator who edits APP_PASSWORD after the first start expects it to apply; say plainly that it does not.
    if (!(await this.hasher.verify(this.config.auth.initialPassword, passwordHash))) {
      this.logger.warn(
        'APP_PASSWORD differs from the stored password, which stays in effect (it was changed through the API or ' +
          'APP_PASSWORD was edited). To reset to APP_PASSWORD, delete the row in auth_credentials and restart.',
      );
    }
  }

  private initialPasswordFile(): string {
    return join(this.config.app.dataDir, 'initial_password');
  }
}
