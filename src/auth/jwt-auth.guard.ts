import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AuthError } from './auth.error';
import { JWT_STRATEGY } from './jwt.strategy';
import { IS_PUBLIC_KEY } from './public.decorator';

/**
 * Global guard (APP_GUARD): every HTTP route needs a valid bearer token unless marked @Public().
 * Failures surface as typed AuthErrors (401 via the exception filter) whose messages say only
 * missing/invalid/expired/revoked, never the library's reason.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    // The /ws gateway authenticates once at connect with AuthService.verifyToken; a socket message has no
    // HTTP request to read a header from. Any other non-HTTP transport still goes through passport (fails closed).
    if (context.getType() === 'ws') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  /**
   * passport's verdict: `error` is what JwtStrategy raised, an AuthError (MISSING_TOKEN, INVALID_TOKEN,
   * TOKEN_EXPIRED, TOKEN_REVOKED) or a database failure, which must stay a 5xx rather than become a 401.
   */
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (user) return user;
    throw new AuthError('INVALID_TOKEN');
  }
}
