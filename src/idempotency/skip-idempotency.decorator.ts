import { SetMetadata } from '@nestjs/common';

export const SKIP_IDEMPOTENCY_KEY = 'idempotency:skip';

/**
 * Opts a route (or a whole controller) out of Idempotency-Key handling: the header is ignored, not refused.
 * For answers that must never be stored in `idempotency_cache`, such as the tokens of login and change-password.
 */
export const SkipIdempotency = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_IDEMPOTENCY_KEY, true);
