import type { LoggerService } from '@nestjs/common';

/**
 * Nest's own start-up lines (one per module initialised, controller resolved and route mapped: most of a start's
 * log) are for whoever debugs the wiring, not for the operator: at debug, the rest unchanged.
 */
export const STARTUP_CONTEXTS: ReadonlySet<string> = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'WebSocketsController',
]);

/** Wraps the application logger (nestjs-pino's) so that info lines from STARTUP_CONTEXTS go out at debug. */
export function withQuietStartup(logger: LoggerService): LoggerService {
  const debug = logger.debug?.bind(logger);
  if (debug === undefined) return logger;
  return new Proxy(logger, {
    get(target, property, receiver) {
      if (property !== 'log') return Reflect.get(target, property, receiver) as unknown;
      return (message: unknown, ...params: unknown[]) => {
        const context = params[params.length - 1];
        if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) debug(message, ...params);
        else target.log(message, ...params);
      };
    },
  });
}
