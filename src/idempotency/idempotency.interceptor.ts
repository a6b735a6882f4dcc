import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, defer, Observable, of } from 'rxjs';
import { assertUnreachable } from '../common/domain-error';
import { toErrorBody } from '../infra/http/domain-exception.filter';
import {
  httpIdempotencyKey,
  httpOperation,
  httpRequestHash,
  IDEMPOTENCY_KEY_HEADER,
  parseIdempotencyKeyHeader,
} from './domain/idempotency-key';
import { decideOnClaim, isReplayableStatus } from './domain/idempotency-record';
import { IdempotencyError } from './idempotency.errors';
import { IdempotencyService } from './idempotency.service';
import { SKIP_IDEMPOTENCY_KEY } from './skip-idempotency.decorator';

/** Set on a response that was answered from the cache rather than by running the handler. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ANONYMOUS = 'anon';
/**
 * How long an unfinished claim holds its key. Shorter than the result TTL so that a process that died mid-request
 * blocks retries for minutes, not an hour; longer than any request of this API takes.
 */
const IN_PROGRESS_LEASE_MINUTES = 5;
const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

type AuthenticatedRequest = FastifyRequest & { user?: { sub?: string } };

/** One request that holds its key: what `settle` needs to store or release it. */
interface ClaimedCall {
  readonly key: string;
  readonly operation: string;
  readonly requestHash: string;
}

/**
 * `Idempotency-Key` on POST/PUT/PATCH/DELETE (SPEC §7). The key is scoped to method, route and principal; the
 * request is compared by a hash of body, path parameters and query.
 * - first time: the handler runs; its answer is stored when it is replayable (2xx, and 4xx other than the
 *   "try again" ones, see isReplayableStatus), otherwise (5xx) the key is released so the client may retry.
 *   A thrown error is stored as the exact body the exception filter sends for it, then rethrown to that filter.
 * - same key, same request, done: the stored status and body, with `Idempotent-Replayed: true`; no handler.
 * - same key, other request: 422 IDEMPOTENCY_KEY_REUSED. Still running: 409 IDEMPOTENCY_KEY_IN_PROGRESS, Retry-After: 1.
 * - malformed header: 400 INVALID_IDEMPOTENCY_KEY. No header, other methods, @SkipIdempotency(), /ws: untouched.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const clientKey = this.clientKeyOf(context);
    if (clientKey === null) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // Interceptors only run on a matched route, so the pattern is always there; the URL is a typing fallback.
    const routePath = request.routeOptions.url ?? request.url;
    const call: ClaimedCall = {
      key: httpIdempotencyKey({
        method: request.method,
        routePath,
        principal: request.user?.sub ?? ANONYMOUS,
        clientKey,
      }),
      operation: httpOperation(request.method, routePath),
      requestHash: httpRequestHash({ body: request.body, params: request.params, query: request.query }),
    };
    const claim = await this.idempotency.begin(call.key, call.operation, call.requestHash, IN_PROGRESS_LEASE_MINUTES);
    const decision = decideOnClaim(claim, call.requestHash);
    switch (decision.action) {
      case 'proceed':
        return this.runAndSettle(call, next, reply, String(request.id ?? ''));
      case 'replay':
        void reply.status(decision.statusCode).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return of(decision.result);
      case 'reject-reused':
        throw new IdempotencyError(
          'IDEMPOTENCY_KEY_REUSED',
          `This ${IDEMPOTENCY_KEY_HEADER} was already used with a different request; use a new key for a new request`,
        );
      case 'reject-in-progress':
        throw new IdempotencyError(
          'IDEMPOTENCY_KEY_IN_PROGRESS',
          `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; retry shortly`,
          { retryAfterSeconds: IN_PROGRESS_RETRY_AFTER_SECONDS },
        );
      default:
        return assertUnreachable(decision);
    }
  }

  /** The client's key, or null when this request does not take part. Throws on a malformed header. */
  private clientKeyOf(context: ExecutionContext): string | null {
    if (context.getType() !== 'http') return null;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!MUTATING_METHODS.has(request.method)) return null;
    const skipped = this.reflector.getAllAndOverride<boolean | undefined>(SKIP_IDEMPOTENCY_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (skipped) return null;
    const header = parseIdempotencyKeyHeader(request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()]);
    if (header.kind === 'invalid') throw new IdempotencyError('INVALID_IDEMPOTENCY_KEY', header.reason);
    return header.kind === 'valid' ? header.value : null;
  }

  private runAndSettle(
    call: ClaimedCall,
    next: CallHandler,
    reply: FastifyReply,
    traceId: string,
  ): Observable<unknown> {
    return next.handle().pipe(
      // Stored before the answer leaves, so a retry that arrives right after it is replayed rather than refused.
      concatMap(async (result: unknown) => {
        await this.settle(call, reply.statusCode, result);
        return result;
      }),
      catchError((error: unknown) =>
        defer(async () => {
          const { body } = toErrorBody(error, traceId);
          await this.settle(call, body.statusCode, body);
          throw error;
        }),
      ),
    );
  }

  /**
   * Stores a replayable answer, releases the key otherwise. Never throws: by now the operation has run, and its
   * own answer must reach the client; the key then stays claimed until its lease ends (409s, never a second run).
   */
  private async settle(call: ClaimedCall, statusCode: number, result: unknown): Promise<void> {
    try {
      if (isReplayableStatus(statusCode)) {
        await this.idempotency.saveResult(call.key, call.operation, call.requestHash, statusCode, result);
      } else {
        await this.idempotency.release(call.key);
      }
    } catch (error) {
      this.logger.error({ err: error, operation: call.operation, statusCode }, 'could not settle an idempotency key');
    }
  }
}
