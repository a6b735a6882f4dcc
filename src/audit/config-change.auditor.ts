import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { AuditRepository } from './audit.repository';

type MaskedConfig = AppConfig['masked'];

/**
 * Records a CONFIG_CHANGE row at start when the effective configuration differs from the one the last
 * CONFIG_CHANGE row recorded (or when there is none). Only `AppConfig.masked` is ever written: every secret
 * variable (SECRET_VARIABLES) is already replaced by a mask there, so a changed secret is not detectable and
 * a secret value never reaches the trail.
 */
@Injectable()
export class ConfigChangeAuditor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConfigChangeAuditor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditRepository,
  ) {}

  /** A failure is logged, not thrown: an audit write must not stop the bot from starting. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.recordIfChanged();
    } catch (error: unknown) {
      this.logger.error({ err: error }, 'could not audit the configuration at start');
    }
  }

  private async recordIfChanged(): Promise<void> {
    // The JSON round trip gives the shape the database will hand back, so the comparison is like for like.
    const current = JSON.parse(JSON.stringify(this.config.masked)) as MaskedConfig;
    const [latest] = await this.audit.query({ action: 'CONFIG_CHANGE', limit: 1 });
    const previous = (latest?.newValue ?? null) as MaskedConfig | null;
    if (previous !== null && isDeepStrictEqual(previous, current)) return;
    await this.audit.append({
      action: 'CONFIG_CHANGE',
      entityType: 'config',
      actor: 'system',
      oldValue: previous,
      newValue: current,
      context: previous === null ? null : { changed: changedVariables(previous, current) },
      reason: previous === null ? 'first start' : 'configuration changed at start',
    });
  }
}

/** Names of the variables added, removed or changed, sorted, so the row says what changed at a glance. */
function changedVariables(previous: MaskedConfig, current: MaskedConfig): string[] {
  const names = new Set([...Object.keys(previous), ...Object.keys(current)]);
  return [...names].filter((name) => !isDeepStrictEqual(previous[name], current[name])).sort();
}
