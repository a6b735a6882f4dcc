import { DomainError } from '../../common/domain-error';

export type BotState = 'stopped' | 'starting' | 'running' | 'stopping';

/** START_REFUSED: a participant refused for a reason the operator can act on (e.g. symbols held elsewhere). */
const KIND = { START_FAILED: 'UNAVAILABLE', START_REFUSED: 'CONFLICT', DUPLICATE_PARTICIPANT: 'INTERNAL' } as const;

export class BotError extends DomainError<keyof typeof KIND> {
  constructor(code: keyof typeof KIND, message: string, details?: Record<string, unknown>) {
    super(code, KIND[code], message, details);
  }
}
