import { Global, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import type { IncomingMessage } from 'node:http';
import { resolveTraceId } from './trace-id';

/** What @fastify/middie hands to Nest middleware: the raw request, with Fastify's `request.id` copied onto it. */
type MiddieRequest = IncomingMessage & { id?: unknown };

/**
 * One AsyncLocalStorage context per HTTP request whose CLS id is the trace id (`request.id`, set by the
 * FastifyAdapter's genReqId). The ClsMiddleware opens it in Fastify's `onRequest` phase, so Nest middleware
 * (pino-http) and everything after runs in it; `registerTraceHooks` (trace-hooks.ts) re-enters it before the
 * route handler because body parsing drops it. WS messages and bot operations open their own with withTrace.
 */
@Global()
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      middleware: {
        mount: true,
        generateId: true,
        // The fallback only matters if genReqId was not wired: then `req.id` is Fastify's counter ("req-1").
        idGenerator: (req: MiddieRequest) => (typeof req.id === 'string' ? req.id : resolveTraceId(req.headers)),
        debug: false,
      },
    }),
  ],
})
export class TracingModule {}
