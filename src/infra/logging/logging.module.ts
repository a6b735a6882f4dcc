import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LoggerModule, Params } from 'nestjs-pino';
// Deep import: the reset is not re-exported from the package index (see createAppLogSinks).
import * as nestjsPinoInternals from 'nestjs-pino/PinoLogger';
import type { AppConfig } from '../config/app-config';
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

/**
 * One compact line per request (method, url, statusCode, responseTime, trace_id), no headers or bodies, written
 * from Fastify's onResponse hook with the root logger. This replaces pino-http behind nestjs-pino's middleware,
 * which ran through @fastify/middie and built two child loggers per request (each redacted on creation): with
 * the trace id on every line from the trace context (log-sinks.ts traceMixin), nothing needs a per-request child.
 */
@Injectable()
export class RequestLogHook implements OnModuleInit {
  constructor(
    @Inject(LOG_SINKS) private readonly sinks: LogSinks,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    const logger = this.sinks.requestLogger;
    fastify.addHook('onResponse', (request, reply, done) => {
      const level = requestLogLevel(request, reply);
      if (logger.isLevelEnabled(level)) {
        const url = redactUrl(request.url);
        logger[level](
          {
            trace_id: request.id,
            method: request.method,
            url,
            statusCode: reply.statusCode,
            responseTime: reply.elapsedTime,
          },
          `${request.method} ${url} ${reply.statusCode}`,
        );
      }
      done();
    });
  }
}

/**
 * nestjs-pino over our root logger (log-sinks.ts). Provides nestjs-pino's `Logger` (for `app.useLogger`),
 * `PinoLogger` and `@InjectPinoLogger` everywhere; the request lines come from RequestLogHook.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, options: LogSinksOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          providers: [
            { provide: LOG_SINKS, useFactory: () => createAppLogSinks(config, options) },
            LogSinksShutdown,
            RequestLogHook,
          ],
          inject: [LOG_SINKS],
          useFactory: (sinks: LogSinks): Params => ({
            // The root logger for every line; no request middleware (no routes): RequestLogHook logs requests.
            pinoHttp: { logger: sinks.logger },
            forRoutes: [],
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}

/** 5xx is an error, 4xx a warning; probes' answers, including readiness's 503 while starting, are not news. */
export function requestLogLevel(request: FastifyRequest, reply: FastifyReply): 'debug' | 'info' | 'warn' | 'error' {
  const status = reply.statusCode;
  if (request.url.startsWith('/health/') && (status < 500 || status === 503)) return 'debug';
  if (status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}
