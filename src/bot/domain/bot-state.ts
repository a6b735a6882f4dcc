import { DomainError } from '../../common/domain-error';

export type BotState = 'stopped' | 'starting' | 'running' | 'stopping';

const KIND = { START_FAILED: 'UNAVAILABLE', DUPLICATE_PARTICIPANT: 'INTERNAL' } as const;

export class BotError extends DomainError<keyof typeof KIND> {
  constructor(code: keyof typeof KIND, message: string, details?: Record<string, unknown>) {
    super(code, KIND[code], message, details);
  }
}
