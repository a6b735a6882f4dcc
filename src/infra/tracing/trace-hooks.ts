import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import type { TraceStore } from './trace-context';
import { resolveTraceId } from './trace-id';

declare module 'fastify' {
  interface FastifyRequest {
    /** The trace context registerTraceHooks opened for this request; null before its onRequest hook. */
    traceStore: TraceStore | null;
  }
}

/** The response header that echoes the trace id; clients quote it in bug reports. */
export const TRACE_ID_RESPONSE_HEADER = 'X-Trace-Id';

/**
 * Fastify's `genReqId`: the trace id becomes `request.id`, which nestjs-cls (CLS_ID), pino-http (`req.id`) and the
 * X-Trace-Id header all read, so the three can never disagree.
 */
export function traceIdFromRequest(req: { headers: Parameters<typeof resolveTraceId>[0] }): string {
  return resolveTraceId(req.headers);
}

/**
 * Call once on the Fastify instance, before `app.init()`/`listen()`:
 * `registerTraceHooks(app.getHttpAdapter().getInstance())`.
 *
 * - `onRequest`: sets X-Trace-Id on the reply. Set this early, it is on every response: 404s, errors from Nest's
 *   filters and from Fastify's own error handler (Fastify keeps reply headers on errors). Not on the raw response
 *   as well: nothing here writes to it directly (no Nest middleware, no hijacked reply), and any header on the raw
 *   response sends Fastify's writeHead down Node's slow path (every reply header set on it once more). Then opens
 *   the request's trace context (the CLS store holding the trace id) around the rest of the lifecycle.
 * - `preHandler`: re-enters the request's trace context right before Nest's route handler (guards, interceptors,
 *   pipes, controller, exception filters) when it is missing. The context is opened in the `onRequest` phase; between there and the handler Fastify reads the body through stream events and runs
 *   plugins' hooks. On Node 20 / Fastify 5 the context survives that (the e2e spec sends a body in delayed chunks),
 *   but that rests on stream and plugin internals, so this hook is the safety net: `runWith(store, done)` wraps the
 *   rest of the lifecycle, which Fastify starts synchronously from `done()`, so every promise the handler creates
 *   inherits the context. When the context is intact it costs one AsyncLocalStorage lookup.
 */
export function registerTraceHooks(fastify: FastifyInstance): void {
  // A slot declared up front keeps every request object the same shape; the store is kept on the request rather
  // than in nestjs-cls's ContextClsStoreMap (a WeakMap keyed by the raw request, an ephemeron entry per request for
  // the GC to process) because only the preHandler below looks it up: nestjs-cls's own initializers, which read
  // that map, are not registered.
  fastify.decorateRequest('traceStore', null);
  const cls = ClsServiceManager.getClsService<TraceStore>();

  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(TRACE_ID_RESPONSE_HEADER, request.id);
    // Opens the request's trace context here rather than through nestjs-cls's ClsMiddleware: that one runs
    // through @fastify/middie and resolves proxy providers per request, and ClsModule adds a global guard and
    // interceptor to every route (a third of the API's CPU per request in the profile, see bench/auth-verify).
    const store: TraceStore = { [CLS_ID]: request.id };
    request.traceStore = store;
    cls.runWith(store, done);
  });

  fastify.addHook('preHandler', (request, _reply, done) => {
    const current = cls.get() as TraceStore | undefined;
    if (current?.[CLS_ID] === request.id) {
      done();
      return;
    }
    cls.runWith(requestStore(request), done);
  });
}

/**
 * The store the onRequest hook opened for this request, so values set earlier stay visible; a new one holding
 * the trace id if there is none.
 */
function requestStore(request: FastifyRequest): TraceStore {
  const opened = request.traceStore;
  if (opened !== null) {
    opened[CLS_ID] ??= request.id;
    return opened;
  }
  const store: TraceStore = { [CLS_ID]: request.id };
  request.traceStore = store;
  return store;
}
