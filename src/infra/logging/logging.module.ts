import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, Params } from 'nestjs-pino';
// Deep import: the reset is not re-exported from the package index (see createAppLogSinks).
import * as nestjsPinoInternals from 'nestjs-pino/PinoLogger';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { AppConfig } from '../config/app-config';
import { resolveTraceId } from '../tracing/trace-id';
import { createLogSinks, LogSinks, LogSinksOptions } from './log-sinks';
import { redactUrl } from './redaction';

const LOG_SINKS = Symbol('LOG_SINKS');

/** Flushes and closes the log files when the application shuts down (app.close(), SIGTERM with shutdown hooks). */
@Injectable()
export class LogSinksShutdown implements OnApplicationShutdown {
  constructor(@Inject(LOG_SINKS) private readonly sinks: LogSinks) {}

  onApplicationShutdown(): void {
    this.sinks.close();
  }
}

/**
 * nestjs-pino 4 keeps the logger for lines logged outside a request in a module variable that the first PinoLogger
 * of the process sets and nothing replaces: a second application in the same process (a test's restart(), several
 * test apps in one file) would write its non-request lines into the first one's closed files. Clearing it here,
 * before this application's PinoLogger is constructed (it depends on these sinks), makes the newest application's
 * logger the one used. In production there is one application per process and this is a no-op.
 */
function createAppLogSinks(config: AppConfig, options: LogSinksOptions): LogSinks {
  const reset = (nestjsPinoInternals as { __resetOutOfContextForTests?: () => void }).__resetOutOfContextForTests;
  reset?.();
  return createLogSinks(config.logging, options);
}

/** What @fastify/middie hands to Nest middleware: the raw request with Fastify's id and original URL copied on. */
type MiddieRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

/**
 * nestjs-pino over our root logger (log-sinks.ts). Provides nestjs-pino's `Logger` (for `app.useLogger`),
 * `PinoLogger` and `@InjectPinoLogger` everywhere.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, options: LogSinksOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          providers: [{ provide: LOG_SINKS, useFactory: () => createAppLogSinks(config, options) }, LogSinksShutdown],
          inject: [LOG_SINKS],
          useFactory: (sinks: LogSinks): Params => ({
            pinoHttp: httpLoggingOptions(sinks),
            // Fastify 5 / path-to-regexp 8 spelling of "every route"; nestjs-pino's default '*' draws a warning.
            forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}

/**
 * pino-http: one compact line per request (method, url, statusCode, responseTime, trace_id), no headers or
 * bodies. Lines logged while handling a request go through a child bound to `trace_id` (quietReqLogger), so they
 * carry the id even where the async context is lost.
 */
export function httpLoggingOptions(sinks: LogSinks): PinoHttpOptions<MiddieRequest, ServerResponse> {
  return {
    logger: sinks.logger,
    // Fastify's genReqId already resolved the trace id (trace-hooks.ts) and middie copied it onto the raw request.
    genReqId: (req) => (typeof req.id === 'string' ? req.id : resolveTraceId(req.headers)),
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'trace_id' },
    customLogLevel: (_req, res, err) => {
      if (err !== undefined || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    customSuccessObject: (req, res, value: { responseTime?: number }) => requestSummary(req, res, value.responseTime),
    customErrorObject: (req, res, err, value: { responseTime?: number }) => {
      const summary = requestSummary(req, res, value.responseTime);
      // For a plain 5xx pino-http makes up `Error('failed with status code N')`, whose stack only points into
      // pino-http; the real error is logged by Nest's exception handler with the same trace_id.
      return isSyntheticStatusError(err, res) ? summary : { ...summary, err };
    },
    customSuccessMessage: (req, res) => `${req.method} ${urlOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${urlOf(req)} ${res.statusCode}`,
  };
}

function requestSummary(req: MiddieRequest, res: ServerResponse, responseTime: number | undefined) {
  return { method: req.method, url: urlOf(req), statusCode: res.statusCode, responseTime };
}

function isSyntheticStatusError(err: Error, res: ServerResponse): boolean {
  return err.message === `failed with status code ${res.statusCode}`;
}

/**
 * middie strips the mount prefix from `url`; `originalUrl` is what the client asked for. Credentials in the
 * query string (`?token=`) are redacted.
 */
function urlOf(req: MiddieRequest): string | undefined {
  return redactUrl(req.originalUrl ?? req.url);
}
