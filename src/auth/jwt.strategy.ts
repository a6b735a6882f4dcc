import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt } from 'passport-jwt';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthError } from './auth.error';
import { AuthPrincipal, AuthService } from './auth.service';

export const JWT_STRATEGY = 'jwt';

type VerifyCallback = (token: string, done: (error: unknown, user?: unknown) => void) => void;

const fromAuthHeader = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * The bearer token of `Authorization: Bearer <token>`, read by passport-jwt's own extractor (the scheme compared
 * case-insensitively). Undefined when absent. Only the extraction is passport-jwt's: verifying through it would run
 * jsonwebtoken on every request, which AuthService.verifyToken does once per token string.
 */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return fromAuthHeader({ headers } as Parameters<typeof fromAuthHeader>[0]) ?? undefined;
}

/**
 * A minimal passport strategy: it hands the bearer token to its verify callback and reports the verdict. Passport
 * runs `authenticate` on a per-request copy of the strategy that carries `success` and `error`.
 */
export class BearerTokenPassportStrategy {
  declare success: (user: unknown, info?: unknown) => void;
  declare fail: (challenge?: unknown, status?: number) => void;
  declare error: (error: unknown) => void;

  constructor(private readonly verifyToken: VerifyCallback) {}

  authenticate(request: { headers: IncomingHttpHeaders }): void {
    const token = bearerToken(request.headers);
    if (token === undefined) {
      this.error(new AuthError('MISSING_TOKEN'));
      return;
    }
    this.verifyToken(token, (error, user) => {
      if (error) this.error(error);
      else if (user) this.success(user);
      else this.fail();
    });
  }
}

/**
 * The 'jwt' strategy of the global JwtAuthGuard: AuthService.verifyToken does every check (signature with HS256
 * only, expiry without leeway, claim shape, password version), the first three once per token string.
 * Its AuthErrors (missing, invalid, expired, revoked) reach the guard as passport errors; a database failure while
 * reading the password version stays a 5xx.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(BearerTokenPassportStrategy, JWT_STRATEGY) {
  constructor(private readonly auth: AuthService) {
    super();
  }

  validate(token: string): Promise<AuthPrincipal> {
    return this.auth.verifyToken(token);
  }
}
