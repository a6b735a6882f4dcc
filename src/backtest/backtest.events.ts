import type { BacktestJobProgress } from './backtest-job';
import type { StoredRun } from './backtest-store';

/** A stored run changed: started, progressed (at most twice a second), or finished (succeeded or failed). */
export interface BacktestEvents {
  'backtest.updated': {
    readonly traceId?: string;
    readonly event: 'started' | 'progress' | 'finished';
    readonly run: StoredRun;
    readonly progress: BacktestJobProgress | null;
  };
}

declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends BacktestEvents {}
}
