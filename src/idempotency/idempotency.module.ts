import { Module, RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyCacheEntity } from './idempotency-cache.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

const MUTATING: ReadonlySet<RequestMethod> = new Set([
  RequestMethod.POST,
  RequestMethod.PUT,
  RequestMethod.PATCH,
  RequestMethod.DELETE,
]);

/**
 * SPEC §7: client order ids, the operation result cache with its cleanup job (ScheduleModule is registered once
 * in AppModule), and the Idempotency-Key interceptor on every mutating HTTP route.
 *
 * The interceptor is attached to each POST/PUT/PATCH/DELETE handler of every controller (as `@UseInterceptors`
 * would) instead of as a global APP_INTERCEPTOR: a global one runs on every GET too, where it has nothing to do
 * but still costs Nest's interceptor chain (an rxjs defer and an AsyncResource.bind per request). This runs when
 * the module is instantiated, before Nest resolves the routes (app.init), so every route is built with it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyCacheEntity])],
  providers: [IdempotencyRepository, IdempotencyService, IdempotencyInterceptor],
  exports: [IdempotencyService],
})
export class IdempotencyModule {
  constructor(modules: ModulesContainer, interceptor: IdempotencyInterceptor) {
    for (const module of modules.values())
      for (const wrapper of module.controllers.values()) {
        const prototype = (wrapper.metatype as { prototype?: object } | undefined)?.prototype;
        if (prototype) attachToMutatingHandlers(prototype, interceptor);
      }
  }
}

/**
 * Appends the interceptor (an instance, so Nest uses it as is) to the handlers' own interceptors, replacing the
 * one of an earlier application in this process (the metadata lives on the class, tests build several apps).
 */
export function attachToMutatingHandlers(prototype: object, interceptor: IdempotencyInterceptor): number {
  let attached = 0;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    if (name === 'constructor') continue;
    const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
    if (typeof handler !== 'function') continue;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (method === undefined || !MUTATING.has(method)) continue;
    const existing = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? [];
    const others = existing.filter((entry) => !(entry instanceof IdempotencyInterceptor));
    Reflect.defineMetadata(INTERCEPTORS_METADATA, [...others, interceptor], handler);
    attached += 1;
  }
  return attached;
}
