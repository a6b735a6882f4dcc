import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { imbalanceStrategyFor } from './domain/imbalance.strategy';
import { Signal } from './domain/signal';
import { SignalLog } from './domain/signal-log';
import { Strategy } from './domain/strategy';

/** The configured strategy and the recent signals it produced. */
@Injectable()
export class StrategyService {
  readonly strategy: Strategy & { readonly metricsOptions: { readonly minClusterVolume: number } };
  private readonly log = new SignalLog(200, 1000);

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.strategy = imbalanceStrategyFor(config.trading);
  }

  record(signal: Signal): void {
    this.log.add(signal);
  }

  recent(query: { symbol?: string; limit?: number }): Signal[] {
    return this.log.recent(query);
  }
}
