import { Logger } from '@nestjs/common';
import { CLS_ID, ClsServiceManager, ClsStore } from 'nestjs-cls';
import { performance } from 'node:perf_hooks';
import { newTraceId } from './trace-id';

/**
 * What a trace context holds. The trace id lives under nestjs-cls's CLS_ID so that `ClsService.getId()` and
 * everything built on it (the HTTP middleware's idGenerator, @UseCls) agree with us on one id.
 */
export interface TraceStore extends ClsStore {
  [CLS_ID]?: string;
  /** Name of the innermost span, when inside withTrace / @Traced. */
  span?: string;
  /** Name of the span that was current when this one started. */
  parentSpan?: string;
}

/** What a log line needs, read with one AsyncLocalStorage lookup (see the pino mixin in infra/logging). */
export interface TraceSnapshot {
  readonly traceId: string;
  readonly span?: string;
}

export type SpanAttributes = Readonly<Record<string, unknown>>;

/**
 * The process-wide ClsService. nestjs-cls keeps one AsyncLocalStorage per process and exposes it here outside
 * of DI, which is what lets plain functions, domain-adjacent helpers and scripts use withTrace as well.
 */
function cls() {
  return ClsServiceManager.getClsService<TraceStore>();
}

function activeStore(): TraceStore | undefined {
  // `get()` without a key returns the whole store, or undefined outside a context.
  return cls().get() as TraceStore | undefined;
}

export function currentTraceId(): string | undefined {
  return activeStore()?.[CLS_ID];
}

export function currentSpan(): string | undefined {
  return activeStore()?.span;
}

export function currentTrace(): TraceSnapshot | undefined {
  const store = activeStore();
  const traceId = store?.[CLS_ID];
  if (traceId === undefined) return undefined;
  return store?.span === undefined ? { traceId } : { traceId, span: store.span };
}

// Through Nest's Logger so span lines reach whatever app.useLogger() installed (nestjs-pino in the app,
// a capturing logger in specs) and carry the trace id via the mixin like any other line.
const logger = new Logger('Trace');

/**
 * Errors already logged at error level by an inner span: an error crossing three nested spans is one error
 * line (at the innermost span) plus debug lines, not three copies in bot_errors_*.log.
 */
const loggedErrors = new WeakSet<object>();

/**
 * Runs `fn` inside a span named `name`.
 * - Inside a trace context (an HTTP request, a WS message, an outer span): a nested span that keeps the trace
 *   id. It runs in a shallow copy of the parent's store (`ifNested: 'inherit'`), so the parent's span is back
 *   in place when fn is done, even while fn's async continuations are still running.
 * - Outside any context (a timer, a stream callback, a script): a new root with a fresh trace id.
 * Logs the start at debug, the end with duration_ms, and a failure with err, then rethrows unchanged.
 * Sync functions stay sync: the result is returned as is; a promise is followed to its settlement.
 */
export function withTrace<T>(name: string, fn: () => T, attrs?: SpanAttributes): T {
  const service = cls();
  const parent = service.get() as TraceStore | undefined;
  return service.run({ ifNested: 'inherit' }, () => {
    const store = service.get() as TraceStore;
    const parentTraceId = parent?.[CLS_ID];
    store[CLS_ID] = parentTraceId ?? newTraceId();
    store.span = name;
    store.parentSpan = parent?.span;
    return runSpan(name, parent?.span, fn, attrs);
  });
}

function runSpan<T>(name: string, parentSpan: string | undefined, fn: () => T, attrs: SpanAttributes | undefined): T {
  logger.debug(
    { ...(parentSpan === undefined ? {} : { parent_span: parentSpan }), ...(attrs === undefined ? {} : { attrs }) },
    'span started',
  );
  const started = performance.now();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    spanFailed(name, started, err);
    throw err;
  }
  if (isPromiseLike(result)) {
    // `.then` is attached inside this span's context, so the end line carries this span's name.
    return result.then(
      (value) => {
        spanFinished(started);
        return value;
      },
      (err: unknown) => {
        spanFailed(name, started, err);
        throw err;
      },
    ) as T;
  }
  spanFinished(started);
  return result;
}

function spanFinished(started: number): void {
  logger.debug({ duration_ms: elapsed(started) }, 'span finished');
}

function spanFailed(name: string, started: number, err: unknown): void {
  const duration_ms = elapsed(started);
  if (typeof err === 'object' && err !== null) {
    if (loggedErrors.has(err)) {
      logger.debug(
        { duration_ms, err_message: (err as { message?: unknown }).message },
        'span failed (logged by an inner span)',
      );
      return;
    }
    loggedErrors.add(err);
  }
  logger.error({ err, duration_ms }, `span ${name} failed`);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
