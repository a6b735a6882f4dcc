import { Global, Module } from '@nestjs/common';

/**
 * One AsyncLocalStorage context per HTTP request whose CLS id is the trace id (`request.id`, set by the
 * FastifyAdapter's genReqId): `registerTraceHooks` (trace-hooks.ts) opens it in Fastify's `onRequest` phase and
 * re-enters it before the route handler if body parsing dropped it. WS messages and bot operations open their own
 * with withTrace. nestjs-cls's process-wide ClsService (ClsServiceManager) holds the contexts; its ClsModule is
 * not registered: its middleware (through @fastify/middie), guard and interceptor cost every request and add
 * nothing the hooks do not. This module stays as the place the application imports tracing from.
 */
@Global()
@Module({})
export class TracingModule {}
