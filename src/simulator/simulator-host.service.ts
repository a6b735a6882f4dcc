import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { RunningSimulator, SimulatorOptions, startSimulator } from './simulator-runtime';

export function simulatorOptionsFrom(config: AppConfig): SimulatorOptions {
  const sim = config.simulator;
  return {
    port: sim.port,
    symbols: config.trading.pairs,
    seed: sim.seed,
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    makerFeeRate: sim.makerFeeRate,
    takerFeeRate: sim.takerFeeRate,
    initialBalanceUsdt: sim.initialBalanceUsdt,
    leverage: sim.leverage,
    dataDir: sim.dataDir,
    reset: sim.reset,
    replayFile: sim.replayFile,
    replaySpeed: sim.replaySpeed,
    faults: sim.faults,
  };
}

/**
 * Hosts the Bybit V5 simulator inside the bot's process when BYBIT_ENV=sim (the offline default), started before
 * the exchange connects (module init precedes application bootstrap) and stopped at shutdown.
 */
@Injectable()
export class SimulatorHost implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Simulator');
  private running?: RunningSimulator;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get simulator(): RunningSimulator | undefined {
    return this.running;
  }

  async onModuleInit(): Promise<void> {
    if (this.config.exchange.env !== 'sim' || !this.config.simulator.inProcess) return;
    this.running = await startSimulator(simulatorOptionsFrom(this.config));
    this.logger.log(
      {
        rest: this.running.restUrl,
        symbols: this.config.trading.pairs,
        seed: this.config.simulator.seed,
        replay: this.config.simulator.replayFile ?? null,
      },
      'Bybit V5 simulator listening on loopback',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.stop();
  }
}
