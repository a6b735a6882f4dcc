import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { AuthPrincipal, AuthService } from './auth.service';
import { JWT_ALGORITHMS, jwtVerificationKey } from './jwt.options';

export const JWT_STRATEGY = 'jwt';

/**
 * passport-jwt checks the signature (HS256 only), the expiry (no leeway) and the Bearer header; then
 * AuthService checks the claims and that no password change has revoked the token since it was issued.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt hands the key to jsonwebtoken.verify, which accepts a KeyObject (its typings say string | Buffer).
      secretOrKey: jwtVerificationKey(config) as unknown as string,
      algorithms: JWT_ALGORITHMS,
      ignoreExpiration: false,
    });
  }

  validate(payload: unknown): Promise<AuthPrincipal> {
    return this.auth.principalOf(payload);
  }
}
