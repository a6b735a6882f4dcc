import { ORDER_PUSHES, POSITION_PUSHES } from './dashboard.mapper';
import { aFill, anOrderView, aPositionView } from '../../test/factories/execution-views.factory';

const AT = 1_770_912_000_000;

describe('dashboard.mapper (orders, positions)', () => {
  it('should map an order.created event to a camelCase order push with its trace id and reason', () => {
    const push = ORDER_PUSHES['order.created'](
      {
        traceId: 'sig-7f3a',
        actor: 'bot',
        order: anOrderView(),
        reason: 'imbalance 0.82',
        context: { signal: { id: 'x' } },
      },
      AT,
    );

    expect(push).toEqual({
      event: 'created',
      actor: 'bot',
      traceId: 'sig-7f3a',
      at: '2026-02-12T16:00:00.000Z',
      reason: 'imbalance 0.82',
      order: {
        id: '0b8f3c2e-6c1a-4a7e-9d6f-1f2e3d4c5b6a',
        clientOrderId: 'sig-7f3a-entry',
        exchangeOrderId: null,
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Limit',
        status: 'Pending',
        quantity: '0.002',
        price: '64250.5',
        filledQuantity: '0',
        avgFillPrice: null,
        fee: '0',
        reduceOnly: false,
        positionId: '5d7e9f10-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
      },
    }); // the trade context stays out of the push
  });

  it('should carry from, cause and error of a status change, and a null trace id when the event has none', () => {
    const rejected = anOrderView({ status: 'Rejected' });
    const push = ORDER_PUSHES['order.status-changed'](
      {
        actor: 'exchange',
        from: 'Pending',
        order: rejected,
        cause: 'create refused',
        error: '110007 insufficient balance',
      },
      AT,
    );

    expect(push).toMatchObject({
      event: 'status-changed',
      traceId: null,
      from: 'Pending',
      cause: 'create refused',
      error: '110007 insufficient balance',
      order: { status: 'Rejected' },
    });
  });

  it('should leave error out (not undefined) when a cancel request succeeded', () => {
    const push = ORDER_PUSHES['order.cancel-requested'](
      { traceId: 't', actor: 'operator', order: anOrderView({ status: 'Placed' }), reason: 'manual', success: true },
      AT,
    );

    expect(push).toMatchObject({ event: 'cancel-requested', reason: 'manual', success: true });
    expect('error' in push).toBe(false);
  });

  it('should map the fill of an order.filled event', () => {
    const order = anOrderView({ status: 'Filled', filledQuantity: '0.002', avgFillPrice: '64250.5', fee: '0.0257' });
    const push = ORDER_PUSHES['order.filled']({ traceId: 't', actor: 'exchange', order, fill: aFill() }, AT);

    expect(push.fill).toEqual({
      execId: 'e-1',
      price: '64250.5',
      quantity: '0.002',
      fee: '0.0257',
      isMaker: true,
      executedAt: '2026-02-12T16:00:00.000Z',
    });
    expect(push.order).toMatchObject({ status: 'Filled', filledQuantity: '0.002', avgFillPrice: '64250.5' });
  });

  it('should map position events with the REST field names', () => {
    const opened = POSITION_PUSHES['position.opened'](
      { traceId: 't', actor: 'exchange', position: aPositionView() },
      AT,
    );
    const updated = POSITION_PUSHES['position.updated'](
      {
        traceId: 't',
        actor: 'bot',
        before: aPositionView(),
        position: aPositionView({ status: 'Closing' }),
        cause: 'exit: take_profit',
      },
      AT,
    );
    const closed = POSITION_PUSHES['position.closed'](
      {
        traceId: 't',
        actor: 'exchange',
        position: aPositionView({
          status: 'Closed',
          quantity: '0',
          exitPrice: '64443.3',
          realizedPnl: '0.33',
          exitReason: 'take_profit',
        }),
      },
      AT,
    );

    expect(opened).toEqual({
      event: 'opened',
      actor: 'exchange',
      traceId: 't',
      at: '2026-02-12T16:00:00.000Z',
      position: {
        id: '5d7e9f10-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
        symbol: 'BTCUSDT',
        side: 'Buy',
        status: 'Open',
        quantity: '0.002',
        entryPrice: '64250.5',
        exitPrice: null,
        realizedPnl: '0',
        unrealizedPnl: '0.12',
        fees: '0.0257',
        takeProfit: '64443.25',
        stopLoss: '64121.99',
        exitReason: null,
      },
    });
    expect(updated).toMatchObject({ event: 'updated', cause: 'exit: take_profit', position: { status: 'Closing' } });
    expect(closed).toMatchObject({
      event: 'closed',
      position: { status: 'Closed', exitPrice: '64443.3', realizedPnl: '0.33', exitReason: 'take_profit' },
    });
  });
});
