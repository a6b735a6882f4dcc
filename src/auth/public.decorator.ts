import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'auth:public';

/**
 * Exempts a route or a whole controller from the global JwtAuthGuard. Everything else needs a bearer token
 * (SPEC §3), so forgetting an annotation fails closed.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
