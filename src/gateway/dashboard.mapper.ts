import type { Signal } from '../strategy/domain/signal';

/** JSON shape of a `signals` push (snake_case like the REST API). */
export interface SignalPush {
  readonly id: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly side: string;
  readonly strength: number;
  readonly reason: string;
  readonly price: string;
  readonly at_ms: number;
  readonly book_u: number;
  readonly book_seq: number;
  readonly metrics: Signal['context']['metrics'];
}

export function toSignalPush(signal: Signal): SignalPush {
  return {
    id: signal.id,
    strategy: signal.strategy,
    symbol: signal.symbol,
    side: signal.side,
    strength: signal.strength,
    reason: signal.reason,
    price: signal.price,
    at_ms: signal.atMs,
    book_u: signal.context.bookU,
    book_seq: signal.context.bookSeq,
    metrics: signal.context.metrics,
  };
}
