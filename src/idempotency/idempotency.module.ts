import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyCacheEntity } from './idempotency-cache.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/**
 * SPEC §7: client order ids, the operation result cache with its cleanup job (ScheduleModule is registered once
 * in AppModule), and the global Idempotency-Key interceptor for mutating HTTP routes.
 */
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyCacheEntity])],
  providers: [
    IdempotencyRepository,
    IdempotencyService,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
