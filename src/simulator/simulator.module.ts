import { Module } from '@nestjs/common';
import { SimulatorHost } from './simulator-host.service';

/** The built-in Bybit V5 venue (BYBIT_ENV=sim). Imports nothing of the bot's: it is the exchange's side. */
@Module({ providers: [SimulatorHost], exports: [SimulatorHost] })
export class SimulatorModule {}
