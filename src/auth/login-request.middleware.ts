import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toErrorBody } from '../infra/http/domain-exception.filter';
import { AuthError } from './auth.error';
import { LoginThrottle } from './login-throttle';

type MiddieRequest = IncomingMessage & { id?: unknown };

/** Statuses of a login request refused before its password was checked: bad body, too large, not JSON. */
const REFUSED_BEFORE_CHECK: ReadonlySet<number> = new Set([400, 413, 415]);

/**
 * POST /auth/login, before Fastify reads the body (middie runs in `onRequest`):
 * - an address already throttled gets its 429 without its body being read or parsed;
 * - a request refused for its body (400/413/415) counts as a failed attempt of its address, as a wrong password
 *   does (the service counts those), so malformed bodies are no way around the throttle.
 */
@Injectable()
export class LoginRequestMiddleware implements NestMiddleware<MiddieRequest, ServerResponse> {
  private readonly logger = new Logger(LoginRequestMiddleware.name);

  constructor(private readonly throttle: LoginThrottle) {}

  async use(req: MiddieRequest, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    // The socket peer, as Fastify's request.ip with trustProxy off.
    const address = req.socket.remoteAddress ?? '';
    const retryAfterSeconds = await this.throttle.blockedForSeconds(address).catch(() => 0);
    if (retryAfterSeconds > 0) {
      const { body } = toErrorBody(AuthError.throttled(retryAfterSeconds), String(req.id ?? ''));
      res.statusCode = body.statusCode;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('retry-after', String(retryAfterSeconds));
      res.end(JSON.stringify(body));
      return;
    }
    res.once('finish', () => {
      if (!REFUSED_BEFORE_CHECK.has(res.statusCode)) return;
      this.throttle.penalize(address).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not count a malformed login request against its address');
      });
    });
    next();
  }
}
