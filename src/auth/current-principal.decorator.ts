import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthError } from './auth.error';
import type { AuthPrincipal } from './auth.service';

/** The verified claims JwtAuthGuard attached to the request (passport's `request.user`). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): AuthPrincipal => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthPrincipal }>();
  // Only reachable if a @Public() route asks for a principal: refuse rather than run unauthenticated.
  if (!request.user) throw new AuthError('MISSING_TOKEN');
  return request.user;
});
