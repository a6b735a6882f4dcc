/**
 * Builders for matching-engine specs: one instrument with round numbers (tick 0.1, step 0.001), a StaticBook, a
 * seeded id factory and a fixed start time, so every number in a spec can be checked by hand.
 */
import { toUnits } from '../../../src/common/ticks';
import { Instrument, linearInstrumentInfo } from '../../../src/simulator/domain/instrument';
import {
  DEFAULT_ENGINE_CONFIG,
  MatchingEngine,
  type MatchingEngineConfig,
  type MatchingEngineDeps,
  type PrivateUpdate,
} from '../../../src/simulator/domain/matching-engine';
import { seededUuidFactory } from '../../../src/simulator/domain/sim-ids';
import { StaticBook } from './static-book';

export const T0 = 1_700_000_000_000;
export const SYMBOL = 'BTCUSDT';

export const TEST_INSTRUMENT = new Instrument(
  linearInstrumentInfo(SYMBOL, {
    priceScale: '1',
    priceFilter: { minPrice: '0.1', maxPrice: '100000', tickSize: '0.1' },
    lotSizeFilter: {
      minOrderQty: '0.001',
      maxOrderQty: '1000',
      maxMktOrderQty: '100',
      qtyStep: '0.001',
      minNotionalValue: '5',
    },
  }),
);

/** Price text → ticks of the test instrument. */
export const px = (price: string): number => toUnits(price, '0.1');
/** Qty text → lots of the test instrument. */
export const lots = (qty: string): number => toUnits(qty, '0.001');

export interface EngineFixture {
  sut: MatchingEngine;
  book: StaticBook;
}

/** Engine dependencies over one book: taker 0.00055, maker 0.0002, 10000 USDT, seed 42, unless overridden. */
export function engineDeps(book: StaticBook, config: Partial<MatchingEngineConfig> = {}): MatchingEngineDeps {
  return {
    config: {
      ...DEFAULT_ENGINE_CONFIG,
      takerFeeRate: '0.00055',
      makerFeeRate: '0.0002',
      initialBalance: '10000',
      ...config,
    },
    instruments: [TEST_INSTRUMENT],
    liquidity: () => book,
    newId: seededUuidFactory(42),
  };
}

export function anEngine(config: Partial<MatchingEngineConfig> = {}, book = StaticBook.of([], [])): EngineFixture {
  return { sut: MatchingEngine.create(engineDeps(book, config), T0), book };
}

/** A book where a taker on `side` trades everything at `price` (deep single level each side, one tick apart). */
export function bookAt(book: StaticBook, price: string, side: 'Buy' | 'Sell'): void {
  const ticks = px(price);
  const deep = lots('1000');
  if (side === 'Buy') book.set([[ticks - 1, deep]], [[ticks, deep]]);
  else book.set([[ticks, deep]], [[ticks + 1, deep]]);
}

export function topics(updates: PrivateUpdate[]): string[] {
  return updates.map((u) => u.topic);
}

type PushData = { [K in PrivateUpdate['topic']]: Extract<PrivateUpdate, { topic: K }>['data'] };

/** The data array of the first push on `topic` (fails when there is none). */
export function pushed<T extends PrivateUpdate['topic']>(updates: PrivateUpdate[], topic: T): PushData[T] {
  const update = updates.find((u) => u.topic === topic);
  if (!update) throw new Error(`No ${topic} push in [${topics(updates).join(', ')}]`);
  return update.data as PushData[T];
}
