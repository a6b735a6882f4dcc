import * as fc from 'fast-check';
import { anOrder, aPosition } from '../../../test/factories/execution-records.factory';
import { ExecutionFill, fillOrder, fillPosition, PositionFillRecord } from './fill-ledger';

const STEP = '0.001';
const AT_MS = 1_764_000_000_000;

const aFill = (price: string, quantity: string, fee = '0', execId = 'exec-1'): ExecutionFill => ({
  execId,
  price,
  quantity,
  fee,
  atMs: AT_MS,
});

describe(fillOrder.name, () => {
  it('should average the fill price by quantity and add the fees exactly when an order fills in parts', () => {
    const first = fillOrder(anOrder(), aFill('100', '0.001', '0.1'), STEP);
    const second = fillOrder({ ...anOrder(), ...first }, aFill('101', '0.002', '0.2'), STEP);

    expect(first).toEqual({ filledQuantity: '0.001', avgFillPrice: '100', fee: '0.1' });
    // (100 + 2 × 101) / 3; 0.1 + 0.2 is 0.3, not 0.30000000000000004.
    expect(second).toEqual({ filledQuantity: '0.003', avgFillPrice: '100.6666666667', fee: '0.3' });
  });

  it('should cap the filled size at the order quantity when the exchange reports more', () => {
    const sut = fillOrder(
      anOrder({ quantity: '0.002', filledQuantity: '0.001', avgFillPrice: '100' }),
      aFill('100', '0.002'),
      STEP,
    );

    expect(sut.filledQuantity).toBe('0.002');
  });

  it('should count an empty fee as zero when Bybit sends none', () => {
    expect(fillOrder(anOrder({ fee: '0.5' }), aFill('100', '0.001', ''), STEP).fee).toBe('0.5');
  });

  it('should keep the average between the lowest and the highest fill price for any sequence of fills', () => {
    const fills = fc.array(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 50 })), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(fills, (sequence) => {
        let order = anOrder({ quantity: '1000' });
        for (const [ticks, units] of sequence) {
          const changes = fillOrder(order, aFill((ticks / 10).toFixed(1), (units / 1000).toFixed(3)), STEP);
          order = { ...order, ...changes };
        }
        const prices = sequence.map(([ticks]) => ticks / 10);
        const average = Number(order.avgFillPrice);
        expect(average).toBeGreaterThanOrEqual(Math.min(...prices));
        expect(average).toBeLessThanOrEqual(Math.max(...prices));
      }),
    );
  });
});

describe(fillPosition.name, () => {
  it('should open an Opening position on its first entry fill and stamp when', () => {
    const { changes } = fillPosition(aPosition(), anOrder(), aFill('100', '0.001', '0.01'), STEP);

    expect(changes).toMatchObject({
      status: 'Open',
      quantity: '0.001',
      entryPrice: '100',
      fees: '0.01',
      realizedPnl: '-0.01',
      openedAtMs: AT_MS,
    });
    expect(changes.stateHistory.map((r) => `${r.from}>${r.to}`)).toEqual(['null>Opening', 'Opening>Open']);
  });

  it('should record Open → Open when another fill only changes the size', () => {
    const open = aPosition({ status: 'Open', quantity: '0.001', entryPrice: '100' });

    const { changes } = fillPosition(open, anOrder(), aFill('102', '0.001', '0', 'exec-2'), STEP);

    expect(changes).toMatchObject({ status: 'Open', quantity: '0.002', entryPrice: '101' });
    expect(changes.openedAtMs).toBeUndefined();
    expect(changes.stateHistory.at(-1)).toMatchObject({
      from: 'Open',
      to: 'Open',
      cause: 'size changed by fill exec-2',
    });
  });

  it('should pass through Closing and name the exit EXCHANGE_CLOSED when the exchange closes an Open position', () => {
    const open = aPosition({
      status: 'Open',
      quantity: '0.002',
      entryPrice: '100',
      fees: '0.02',
      realizedPnl: '-0.02',
    });

    const { changes } = fillPosition(open, anOrder({ side: 'Sell' }), aFill('110', '0.002', '0.02', 'exec-9'), STEP);

    expect(changes).toMatchObject({
      status: 'Closed',
      quantity: '0.000',
      exitPrice: '110',
      exitedQuantity: '0.002',
      // 0.002 × 10 gross, 0.04 fees.
      realizedPnl: '-0.02',
      fees: '0.04',
      closedAtMs: AT_MS,
      unrealizedPnl: '0',
      exitReason: 'EXCHANGE_CLOSED',
    });
    expect(changes.stateHistory.slice(-2).map((r) => `${r.from}>${r.to}`)).toEqual(['Open>Closing', 'Closing>Closed']);
  });

  it('should keep a recorded exit reason when the exit order closes a Closing position', () => {
    const open = aPosition({ status: 'Open', quantity: '0.001', entryPrice: '100' });
    const withExit: PositionFillRecord = {
      ...open,
      status: 'Closing',
      exitReason: 'TAKE_PROFIT',
      stateHistory: [
        ...open.stateHistory,
        { from: 'Open', to: 'Closing', at: '2025-11-24T16:00:01.000Z', cause: 'exit sent' },
      ],
    };

    const { changes } = fillPosition(
      withExit,
      anOrder({ side: 'Sell', reduceOnly: true }),
      aFill('101', '0.001'),
      STEP,
    );

    expect(changes.status).toBe('Closed');
    expect(changes.exitReason).toBeUndefined();
    expect(changes.realizedPnl).toBe('0.001');
  });

  it('should report the excess and not apply it when a reduce is larger than the position', () => {
    const open = aPosition({ status: 'Open', quantity: '0.001', entryPrice: '100' });

    const sut = fillPosition(open, anOrder({ side: 'Sell' }), aFill('100', '0.003'), STEP);

    expect(sut.excessQuantity).toBe('0.002');
    expect(sut.changes).toMatchObject({ quantity: '0.000', exitedQuantity: '0.001', status: 'Closed' });
  });
});
