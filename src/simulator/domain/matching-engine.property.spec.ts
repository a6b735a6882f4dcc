import fc from 'fast-check';
import { Dec } from './exact-decimal';
import { MatchingEngine, type PrivateUpdate } from './matching-engine';
import { engineDeps, SYMBOL, T0, TEST_INSTRUMENT } from '../../../test/support/simulator-engine/engine-fixture';
import { StaticBook } from '../../../test/support/simulator-engine/static-book';
import { SimulatorRejection } from './v5-errors';

type Action =
  | {
      kind: 'place';
      side: 'Buy' | 'Sell';
      type: 'Market' | 'Limit';
      tif: string;
      lots: number;
      offset: number;
      reduceOnly: boolean;
      link: number;
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'amend'; pick: number; lots: number | null; offset: number | null }
  | { kind: 'move'; mid: number; spread: number; bids: number[]; asks: number[] }
  | { kind: 'trade'; side: 'Buy' | 'Sell'; offset: number; lots: number }
  | { kind: 'mark'; offset: number }
  | { kind: 'cancelAll' };

const side = fc.constantFrom<'Buy' | 'Sell'>('Buy', 'Sell');
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      side,
      type: fc.constantFrom<'Market' | 'Limit'>('Market', 'Limit'),
      tif: fc.constantFrom('GTC', 'IOC', 'FOK', 'PostOnly'),
      lots: fc.integer({ min: 1, max: 4000 }),
      offset: fc.integer({ min: -30, max: 30 }),
      reduceOnly: fc.integer({ min: 0, max: 3 }).map((n) => n === 0), // 25%: reduce-only mostly meets a position
      link: fc.integer({ min: 0, max: 60 }), // some reuse, to meet 110072
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      pick: fc.nat(),
      lots: fc.option(fc.integer({ min: 1, max: 4000 })),
      offset: fc.option(fc.integer({ min: -30, max: 30 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      mid: fc.integer({ min: 900, max: 1100 }),
      spread: fc.integer({ min: 1, max: 4 }),
      bids: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 0, maxLength: 5 }),
      asks: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 0, maxLength: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('trade' as const),
      side,
      offset: fc.integer({ min: -30, max: 30 }),
      lots: fc.integer({ min: 1, max: 3000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('mark' as const), offset: fc.integer({ min: -50, max: 50 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancelAll' as const }) },
);

const RANK: Record<string, number> = {
  New: 0,
  PartiallyFilled: 1,
  Filled: 2,
  Cancelled: 2,
  Rejected: 2,
  Deactivated: 2,
};
const TOPIC_ORDER = ['order', 'execution', 'position', 'wallet'];
/** Plain checks in the hot loop: jest's expect is too slow for thousands of steps per run. */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`invariant broken: ${what}`);
}
const sum = (values: string[]): Dec => values.reduce((acc, v) => acc.add(Dec.parse(v)), Dec.ZERO);

/** Runs the actions against a fresh engine, checking the invariants after each step. */
function runScenario(actions: Action[]): void {
  const book = StaticBook.of([[995, 2000]], [[1005, 2000]]);
  const deps = engineDeps(book, { initialBalance: '10000', maxExecutions: 1_000_000, maxClosedOrders: 1_000_000 });
  const sut = MatchingEngine.create(deps, T0);
  const lastStatus = new Map<string, string>();
  let mid = 1000;
  let t = T0;

  const orderIds = (): string[] => sut.listOrders({ scope: 'open' }).map((o) => o.orderId);
  const observe = (status: string, orderId: string): void => {
    const previous = lastStatus.get(orderId);
    if (previous !== undefined) {
      check(RANK[status] >= RANK[previous], `${orderId} went from ${previous} to ${status}`);
      check(RANK[previous] < 2 || status === previous, `closed ${orderId} changed to ${status}`);
    }
    lastStatus.set(orderId, status);
  };
  const checkPushes = (updates: PrivateUpdate[], orderAction: boolean): void => {
    const order = updates.map((u) => TOPIC_ORDER.indexOf(u.topic));
    check(
      order.every((v, i) => i === 0 || order[i - 1] < v),
      `push order ${JSON.stringify(updates.map((u) => u.topic))}`,
    );
    if (orderAction)
      check(
        updates.some((u) => u.topic === 'position'),
        'position pushed on every order action',
      );
    for (const update of updates) {
      if (update.topic === 'order') for (const o of update.data) observe(o.orderStatus, o.orderId);
    }
  };

  for (const a of actions) {
    t += 10;
    try {
      switch (a.kind) {
        case 'place': {
          const price = String(((mid + a.offset) / 10).toFixed(1));
          const { updates } = sut.placeOrder(
            {
              symbol: SYMBOL,
              side: a.side,
              orderType: a.type,
              qty: TEST_INSTRUMENT.qty(a.lots),
              price: a.type === 'Limit' ? price : undefined,
              timeInForce: a.tif,
              reduceOnly: a.reduceOnly,
              orderLinkId: a.link === 0 ? undefined : `link-${a.link}`,
            },
            t,
          );
          checkPushes(updates, true);
          break;
        }
        case 'cancel': {
          const ids = orderIds();
          const orderId = ids.length > 0 ? ids[a.pick % ids.length] : 'missing';
          checkPushes(sut.cancelOrder({ symbol: SYMBOL, orderId }, t).updates, true);
          break;
        }
        case 'amend': {
          const ids = orderIds();
          const orderId = ids.length > 0 ? ids[a.pick % ids.length] : 'missing';
          const { updates } = sut.amendOrder(
            {
              symbol: SYMBOL,
              orderId,
              qty: a.lots === null ? undefined : TEST_INSTRUMENT.qty(a.lots),
              price: a.offset === null ? undefined : ((mid + a.offset) / 10).toFixed(1),
            },
            t,
          );
          checkPushes(updates, true);
          break;
        }
        case 'move': {
          mid = a.mid;
          book.set(
            a.bids.map((size, i) => [a.mid - a.spread - i, size]),
            a.asks.map((size, i) => [a.mid + a.spread + i, size]),
          );
          checkPushes(sut.onMarketMove(SYMBOL, t).updates, false);
          break;
        }
        case 'trade':
          checkPushes(sut.onPublicTrade(SYMBOL, a.side, mid + a.offset, a.lots, t).updates, false);
          break;
        case 'mark':
          sut.setMarkPrice(SYMBOL, mid + a.offset);
          break;
        case 'cancelAll':
          checkPushes(sut.cancelAll(SYMBOL, t).updates, true);
          break;
      }
    } catch (error) {
      if (!(error instanceof SimulatorRejection)) throw error; // business rejections are legitimate outcomes
    }

    // Orders: qty = leaves + cum, nothing negative, statuses only move forward.
    for (const o of sut.listOrders({ scope: 'all' })) {
      const qty = Dec.parse(o.qty);
      const cum = Dec.parse(o.cumExecQty);
      const leaves = Dec.parse(o.leavesQty);
      check(leaves.add(cum).eq(qty), `leaves + cum = qty for ${o.orderId}`);
      check(cum.sign() >= 0 && leaves.sign() >= 0, `non-negative quantities for ${o.orderId}`);
      check(Dec.parse(o.cumExecFee).sign() >= 0, `non-negative fee for ${o.orderId}`);
      observe(o.orderStatus, o.orderId);
      check(o.orderStatus !== 'Filled' || leaves.isZero(), `Filled ${o.orderId} has no leaves`);
    }
    const executions = sut.listExecutions();
    for (const e of executions) check(Dec.parse(e.execFee).sign() >= 0, `non-negative fee for ${e.execId}`);

    // Position: non-negative size, side consistent with it.
    const [position] = sut.listPositions({ symbol: SYMBOL });
    const size = Dec.parse(position.size);
    check(size.sign() >= 0, 'non-negative position size');
    check((position.side === '') === size.isZero(), 'position side matches size');

    // Realised PnL from cash flows, independently of the engine's pro-rata bookkeeping:
    // Σ execPnl = Σ sells − Σ buys ± the entry value still held (+ long, − short).
    const flows = executions.reduce(
      (acc, e) => (e.side === 'Sell' ? acc.add(Dec.parse(e.execValue)) : acc.sub(Dec.parse(e.execValue))),
      Dec.ZERO,
    );
    const held = position.side === 'Sell' ? Dec.parse(position.positionValue).neg() : Dec.parse(position.positionValue);
    check(sum(executions.map((e) => e.execPnl)).eq(flows.add(held)), 'Σ execPnl = sells − buys ± held entry value');

    // Wallet: balance = initial + realised PnL − fees, exactly; equity = balance + unrealised.
    const wallet = sut.walletBalance();
    const coin = wallet.coin[0];
    const realised = sum(executions.map((e) => e.execPnl)).sub(sum(executions.map((e) => e.execFee)));
    check(Dec.parse(coin.walletBalance).eq(Dec.parse('10000').add(realised)), 'balance = initial + PnL − fees');
    check(Dec.parse(coin.cumRealisedPnl).eq(realised), 'wallet cumRealisedPnl');
    check(Dec.parse(position.cumRealisedPnl).eq(realised), 'position cumRealisedPnl');
    check(
      Dec.parse(wallet.totalEquity).eq(Dec.parse(coin.walletBalance).add(Dec.parse(position.unrealisedPnl))),
      'equity = balance + UPL',
    );
    const im = Dec.parse(coin.totalPositionIM).add(Dec.parse(coin.totalOrderIM));
    check(Dec.parse(wallet.totalAvailableBalance).eq(Dec.parse(wallet.totalEquity).sub(im)), 'available = equity − IM');
  }

  // The whole state survives a JSON snapshot round trip.
  const snapshot = JSON.parse(JSON.stringify(sut.toSnapshot()));
  expect(MatchingEngine.fromSnapshot(deps, snapshot).toSnapshot()).toEqual(sut.toSnapshot());
}

describe(`${MatchingEngine.name} invariants`, () => {
  it('should keep orders, positions and the wallet consistent when random actions are applied', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 60, size: 'large' }), (actions) => {
        runScenario(actions);
      }),
      { numRuns: 120 },
    );
  });
});
