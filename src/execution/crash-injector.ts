import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { CrashPoint, isCrashPoint } from './domain/crash-points';

/**
 * Test-only fault injection for the crash-safety suite: with FAULT_CRASH_AT=<point>:<n> the process kills itself
 * with SIGKILL (no shutdown hooks, no flush: the same as a power cut) the n-th time execution reaches `point`.
 * Unset in production, where `reached()` is a single comparison.
 */
@Injectable()
export class CrashInjector {
  private readonly logger = new Logger(CrashInjector.name);
  private readonly target?: { readonly point: CrashPoint; readonly occurrence: number };
  private seen = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const crashAt = config.execution.crashAt;
    if (crashAt && isCrashPoint(crashAt.point)) {
      this.target = { point: crashAt.point, occurrence: crashAt.occurrence };
      this.logger.warn({ crashAt }, 'FAULT_CRASH_AT is set: this process will SIGKILL itself (crash tests only)');
    } else if (crashAt) {
      this.logger.error({ crashAt }, 'FAULT_CRASH_AT names an unknown crash point; ignored');
    }
  }

  reached(point: CrashPoint): void {
    if (this.target === undefined || this.target.point !== point) return;
    this.seen += 1;
    if (this.seen < this.target.occurrence) return;
    // Written synchronously: the test reads it to know which point the process died at.
    process.stderr.write(`CRASH-INJECTED ${point}:${this.seen}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
