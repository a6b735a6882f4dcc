import { DomainError } from '../common/domain-error';

const KIND = { UNKNOWN_SYMBOL: 'NOT_FOUND', BOOK_NOT_READY: 'UNAVAILABLE' } as const;

export class OrderBookError extends DomainError<keyof typeof KIND> {
  constructor(code: keyof typeof KIND, message: string) {
    super(code, KIND[code], message);
  }
}
