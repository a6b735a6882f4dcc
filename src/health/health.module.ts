import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventLoopLagIndicator } from './event-loop-lag.indicator';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness-registry';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [EventLoopLagIndicator, ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class HealthModule {}
