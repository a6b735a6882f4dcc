import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toErrorBody } from '../infra/http/domain-exception.filter';
import { AuthError } from './auth.error';
import { LoginThrottle } from './login-throttle';

/** The route this hook guards (Fastify's route pattern). */
const LOGIN_ROUTE = '/auth/login';

/** Statuses of a login request refused before its password was checked: bad body, too large, not JSON. */
const REFUSED_BEFORE_CHECK: ReadonlySet<number> = new Set([400, 413, 415]);

/**
 * POST /auth/login, before Fastify reads the body (a Fastify `onRequest` hook):
 * - an address already throttled gets its 429 without its body being read or parsed;
 * - a request refused for its body (400/413/415) counts as a failed attempt of its address, as a wrong password
 *   does (the service counts those), so malformed bodies are no way around the throttle.
 *
 * A Fastify hook rather than Nest middleware: with any Nest middleware registered, @fastify/middie runs on every
 * request of every route (it copies hostname, ip, ips, query onto the raw request and matches paths), which was
 * ~1.5 % of `GET /auth/verify`'s time; this hook costs other routes one comparison.
 */
@Injectable()
export class LoginRequestHook implements OnModuleInit {
  private readonly logger = new Logger(LoginRequestHook.name);

  constructor(
    private readonly throttle: LoginThrottle,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onRequest', (request, reply, done) => {
      if (request.method !== 'POST' || request.routeOptions.url !== LOGIN_ROUTE) {
        done();
        return;
      }
      // When the hook answered (429), Fastify's lifecycle must not continue: done() is not called.
      this.screen(request, reply).then(
        (answered) => answered || done(),
        (error: unknown) => done(error as Error),
      );
    });
  }

  /** Answers 429 for a throttled address and returns true; otherwise arms the body-refusal penalty. */
  async screen(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    // The socket peer, as Fastify's request.ip with trustProxy off.
    const address = request.socket.remoteAddress ?? '';
    const retryAfterSeconds = await this.throttle.blockedForSeconds(address).catch(() => 0);
    if (retryAfterSeconds > 0) {
      const { body } = toErrorBody(AuthError.throttled(retryAfterSeconds), request.id);
      void reply
        .code(body.statusCode)
        .header('retry-after', String(retryAfterSeconds))
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(body));
      return true;
    }
    reply.raw.once('finish', () => {
      if (!REFUSED_BEFORE_CHECK.has(reply.raw.statusCode)) return;
      this.throttle.penalize(address).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not count a malformed login request against its address');
      });
    });
    return false;
  }
}
