import { JwtModuleOptions, JwtVerifyOptions } from '@nestjs/jwt';
import { AppConfig } from '../infra/config/app-config';

/**
 * The only algorithm accepted. Pinning it refuses `alg: none`, asymmetric algorithms (RS/ES/PS, including the
 * classic "verify an HS token with the public key" confusion) and the other HMAC sizes.
 */
export const JWT_ALGORITHMS: NonNullable<JwtVerifyOptions['algorithms']> = ['HS256'];

export function jwtModuleOptions(config: AppConfig): JwtModuleOptions {
  return {
    secret: config.auth.secretKey,
    signOptions: { algorithm: 'HS256', expiresIn: config.auth.jwtExpiresInSeconds },
    verifyOptions: { algorithms: JWT_ALGORITHMS, ignoreExpiration: false },
  };
}
