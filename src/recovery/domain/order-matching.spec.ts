import type { OrderStatus } from '../../execution/domain/order-vocabulary';
import {
  adoptedOrderRecord,
  AdoptableOrder,
  EXECUTION_OVERLAP_MS,
  executionsSinceMs,
  FIRST_RUN_LOOKBACK_MS,
  inExecutionOrder,
  keyedOpenOrders,
  matchExchangeOpenOrders,
  matchRecordedOrders,
  RecordedOrder,
  ReportedOrder,
} from './order-matching';

const PAIRS = ['BTCUSDT', 'ETHUSDT'];

const recorded = (clientOrderId: string, status: OrderStatus, filledQuantity = '0'): RecordedOrder => ({
  id: `id-${clientOrderId}`,
  clientOrderId,
  symbol: 'BTCUSDT',
  status,
  filledQuantity,
});
const reported = (orderLinkId: string, status: string, cumExecQty = '0', symbol = 'BTCUSDT'): ReportedOrder => ({
  orderLinkId,
  symbol,
  status,
  cumExecQty,
});
const reports = (...list: ReportedOrder[]) => new Map(list.map((r) => [r.orderLinkId, r]));

describe(matchRecordedOrders.name, () => {
  it('should declare a Pending order the exchange does not know never sent', () => {
    const sut = matchRecordedOrders([recorded('a', 'Pending')], reports(), new Set());

    expect(sut).toEqual([{ kind: 'never-sent', order: recorded('a', 'Pending') }]);
  });

  it('should declare a working order the exchange no longer knows vanished', () => {
    const sut = matchRecordedOrders(
      [recorded('a', 'Placed'), recorded('b', 'PartiallyFilled', '0.01')],
      reports(),
      new Set(),
    );

    expect(sut.map((r) => `${r.kind}:${r.order.clientOrderId}`)).toEqual(['vanished:a', 'vanished:b']);
  });

  it('should leave an order whose create is on the wire alone, even when the exchange does not know it yet', () => {
    const sut = matchRecordedOrders([recorded('a', 'Pending')], reports(), new Set(['a']));

    expect(sut).toEqual([{ kind: 'in-flight', order: recorded('a', 'Pending') }]);
  });

  it('should sync an order whose status the exchange moved on, with the fills it missed', () => {
    const report = reported('a', 'Filled', '0.01');

    const sut = matchRecordedOrders([recorded('a', 'Pending')], reports(report), new Set());

    expect(sut).toEqual([
      { kind: 'sync', order: recorded('a', 'Pending'), report, statusDiverged: true, missedFills: true },
    ]);
  });

  it('should see no divergence and no missed fill when the exchange agrees (decimals written differently)', () => {
    const [sut] = matchRecordedOrders(
      [recorded('a', 'PartiallyFilled', '0.010')],
      reports(reported('a', 'PartiallyFilled', '0.01')),
      new Set(),
    );

    expect(sut).toMatchObject({ kind: 'sync', statusDiverged: false, missedFills: false });
  });

  it('should see a missed fill without a status change (a second partial fill)', () => {
    const [sut] = matchRecordedOrders(
      [recorded('a', 'PartiallyFilled', '0.01')],
      reports(reported('a', 'PartiallyFilled', '0.02')),
      new Set(),
    );

    expect(sut).toMatchObject({ kind: 'sync', statusDiverged: false, missedFills: true });
  });

  it('should see a status change without fills (acknowledged: Pending here, New there)', () => {
    const [sut] = matchRecordedOrders([recorded('a', 'Pending')], reports(reported('a', 'New', '')), new Set());

    expect(sut).toMatchObject({ kind: 'sync', statusDiverged: true, missedFills: false });
  });

  it('should map the exchange vocabulary before comparing (Untriggered is working, Deactivated is cancelled)', () => {
    const sut = matchRecordedOrders(
      [recorded('a', 'Placed'), recorded('b', 'Placed')],
      reports(reported('a', 'Untriggered'), reported('b', 'Deactivated')),
      new Set(),
    );

    expect(sut.map((r) => r.kind === 'sync' && r.statusDiverged)).toEqual([false, true]);
  });

  it('should count a status it does not know as diverged, so applying the report fails loudly', () => {
    const [sut] = matchRecordedOrders([recorded('a', 'Placed')], reports(reported('a', 'Exploded')), new Set());

    expect(sut).toMatchObject({ kind: 'sync', statusDiverged: true });
  });

  it('should need nothing for an order already finished here', () => {
    expect(matchRecordedOrders([recorded('a', 'Filled')], reports(), new Set())).toEqual([]);
  });

  it('should keep the database order of the orders', () => {
    const sut = matchRecordedOrders(
      [recorded('c', 'Pending'), recorded('a', 'Placed'), recorded('b', 'Pending')],
      reports(reported('a', 'New')),
      new Set(['b']),
    );

    expect(sut.map((r) => `${r.kind}:${r.order.clientOrderId}`)).toEqual(['never-sent:c', 'sync:a', 'in-flight:b']);
  });
});

describe(matchExchangeOpenOrders.name, () => {
  it('should adopt an open order of our symbols with an orderLinkId no row has', () => {
    const foreign = reported('foreign-1', 'New');

    expect(matchExchangeOpenOrders([foreign], new Set(), PAIRS)).toEqual([{ kind: 'adopt', report: foreign }]);
  });

  it('should leave an open order with a database row (whatever its status) to the order sync', () => {
    expect(matchExchangeOpenOrders([reported('ours-1', 'New')], new Set(['ours-1']), PAIRS)).toEqual([]);
  });

  it('should report an open order without an orderLinkId as unkeyed, and ignore other symbols', () => {
    const byHand = reported('', 'New');
    const otherInstance = reported('theirs-1', 'New', '0', 'SOLUSDT');

    expect(matchExchangeOpenOrders([byHand, otherInstance], new Set(), PAIRS)).toEqual([
      { kind: 'unkeyed', report: byHand },
    ]);
  });

  it('should look up only keyed open orders of our symbols', () => {
    const ours = reported('ours-1', 'New');

    expect(keyedOpenOrders([ours, reported('', 'New'), reported('x', 'New', '0', 'SOLUSDT')], PAIRS)).toEqual([ours]);
  });
});

describe(adoptedOrderRecord.name, () => {
  const limit: AdoptableOrder = {
    orderLinkId: 'foreign-1',
    symbol: 'ETHUSDT',
    side: 'Sell',
    orderType: 'Limit',
    timeInForce: 'PostOnly',
    qty: '0.02',
    price: '1500.5',
    reduceOnly: false,
  };

  it('should write a limit order as Pending with its price, time in force and an adoption history', () => {
    const sut = adoptedOrderRecord(limit, Date.UTC(2026, 0, 1), 'trace-1');

    expect(sut).toMatchObject({
      clientOrderId: 'foreign-1',
      symbol: 'ETHUSDT',
      side: 'Sell',
      orderType: 'Limit',
      timeInForce: 'PostOnly',
      quantity: '0.02',
      price: '1500.5',
      reduceOnly: false,
      reason: 'adopted by reconciliation',
      traceId: 'trace-1',
    });
    expect(sut.stateHistory).toEqual([
      {
        from: null,
        to: 'Pending',
        at: '2026-01-01T00:00:00.000Z',
        cause: 'adopted by reconciliation',
        traceId: 'trace-1',
      },
    ]);
  });

  it('should write anything but a limit as a market order without a price, and an unknown time in force as GTC', () => {
    const sut = adoptedOrderRecord({ ...limit, orderType: 'StopMarket', timeInForce: 'Weird' }, 0, undefined);

    expect(sut).toMatchObject({ orderType: 'Market', price: null, timeInForce: 'GTC', traceId: null });
  });
});

describe(executionsSinceMs.name, () => {
  it('should ask again from a margin before the newest recorded fill', () => {
    expect(executionsSinceMs(1_000_000_000, 2_000_000_000)).toBe(1_000_000_000 - EXECUTION_OVERLAP_MS);
  });

  it('should look back a day when nothing is recorded', () => {
    expect(executionsSinceMs(null, 2_000_000_000)).toBe(2_000_000_000 - FIRST_RUN_LOOKBACK_MS);
  });
});

describe(inExecutionOrder.name, () => {
  it('should order executions by time, then by sequence, without touching the input', () => {
    const input = [
      { id: 'c', execTime: 2, seq: 1 },
      { id: 'b', execTime: 1, seq: 2 },
      { id: 'a', execTime: 1, seq: 1 },
    ];

    expect(inExecutionOrder(input).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(input.map((e) => e.id)).toEqual(['c', 'b', 'a']);
  });
});
