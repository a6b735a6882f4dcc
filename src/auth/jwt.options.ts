import { JwtModuleOptions, JwtVerifyOptions } from '@nestjs/jwt';
import { createSecretKey, KeyObject } from 'node:crypto';
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

/**
 * The HS256 key as a KeyObject, built once. Given a string, jsonwebtoken first tries to parse it as a PEM public
 * key on every verify (a thrown and caught exception per request): that alone cost a third of /auth/verify's CPU.
 */
export function jwtVerificationKey(config: AppConfig): KeyObject {
  return createSecretKey(Buffer.from(config.auth.secretKey, 'utf8'));
}
