import { DomainError } from '../common/domain-error';

const KIND = { UNKNOWN_SYMBOL: 'NOT_FOUND' } as const;

export class FeaturesError extends DomainError<keyof typeof KIND> {
  constructor(code: keyof typeof KIND, message: string) {
    super(code, KIND[code], message);
  }
}
