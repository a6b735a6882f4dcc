import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertUnreachable, DomainError, DomainErrorKind } from '../../common/domain-error';
import { redactUrl } from '../logging/redaction';

/** The SPEC's one error shape. */
export interface ErrorBody {
  [key: string]: unknown;
  statusCode: number;
  error: string;
  message: string;
  traceId: string;
  code?: string;
  details?: Record<string, unknown>;
}

export function statusForKind(kind: DomainErrorKind): number {
  switch (kind) {
    case 'INVALID':
      return HttpStatus.BAD_REQUEST;
    case 'UNAUTHENTICATED':
      return HttpStatus.UNAUTHORIZED;
    case 'FORBIDDEN':
      return HttpStatus.FORBIDDEN;
    case 'NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'CONFLICT':
      return HttpStatus.CONFLICT;
    case 'UNPROCESSABLE':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'RATE_LIMITED':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'UNAVAILABLE':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'INTERNAL':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default:
      return assertUnreachable(kind);
  }
}

/**
 * Maps every error to the SPEC's shape exactly once: typed domain errors by kind, Nest/Fastify HTTP errors by
 * their status, anything else as a 500 whose details stay in the log (never in the response).
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, retryAfterSeconds } = toErrorBody(exception, String(request.id ?? ''));
    // A probe's 503 (readiness while the app starts or a dependency is down) is its answer, not a server fault.
    const probeAnswer = body.statusCode === 503 && request.url.startsWith('/health/');
    if (body.statusCode >= 500 && !probeAnswer)
      this.logger.error({ err: exception, path: redactUrl(request.url) }, body.message);
    if (retryAfterSeconds !== undefined) void reply.header('Retry-After', String(retryAfterSeconds));
    void reply.status(body.statusCode).send(body);
  }
}

export function toErrorBody(exception: unknown, traceId: string): { body: ErrorBody; retryAfterSeconds?: number } {
  if (exception instanceof DomainError) {
    const statusCode = statusForKind(exception.kind);
    const retry = exception.details?.retryAfterSeconds;
    const details = exception.details ? { ...exception.details } : undefined;
    return {
      body: {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: statusCode >= 500 ? 'Internal server error' : exception.message,
        traceId,
        code: exception.code,
        ...(details && statusCode < 500 ? { details } : {}),
      },
      retryAfterSeconds: typeof retry === 'number' ? Math.max(1, Math.ceil(retry)) : undefined,
    };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    if (isHealthReport(response)) {
      // terminus answers an unhealthy check with its report as the 503 body: keep it, it says what is down.
      return {
        body: {
          ...response,
          statusCode,
          error: STATUS_CODES[statusCode] ?? 'Error',
          message: 'A readiness check is down',
          traceId,
        },
      };
    }
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message);
    return { body: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, traceId } };
  }
  const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
    const message = (exception as Error).message ?? 'Bad request';
    return {
      body: { statusCode: fastifyStatus, error: STATUS_CODES[fastifyStatus] ?? 'Error', message, traceId },
    };
  }
  return {
    body: { statusCode: 500, error: STATUS_CODES[500] as string, message: 'Internal server error', traceId },
  };
}

function isHealthReport(response: unknown): response is Record<string, unknown> & { details: Record<string, unknown> } {
  return (
    typeof response === 'object' &&
    response !== null &&
    'details' in response &&
    'status' in response &&
    !('message' in response)
  );
}
