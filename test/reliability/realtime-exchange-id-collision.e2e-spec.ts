import { Logger } from '@nestjs/common';
import { OrderTracker } from '../../src/execution/order-tracker.service';
import { startTestApp, TestApp } from '../support/app';
import { pendingEntry, queryRows } from '../support/execution-rows';

/**
 * A venue that hands out an order id a stored row already holds (SIM_RESET on an existing database did, before the
 * simulator salted its ids): the new order must still be tracked to its end by its orderLinkId (before, a UNIQUE
 * constraint refused every write and the order stayed Pending while its position was open at the exchange), and the
 * repeat must be reported as an error for the operator.
 */
describe('realtime reliability: an exchange order id the venue hands out twice', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT' });
  });
  afterAll(() => ctx.close());

  it('should track the new order and report the repeat although another row holds its exchange id', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error');
    const old = await pendingEntry(ctx.app, 'BTCUSDT', 'Buy', '0.001', 'Ecollision-old');
    await queryRows(
      ctx.database.url,
      `UPDATE orders SET exchange_order_id = 'reused-id', status = 'Failed' WHERE id = $1`,
      [old.order.id],
    );
    const fresh = await pendingEntry(ctx.app, 'BTCUSDT', 'Buy', '0.001', 'Ecollision-new');
    const tracker = ctx.app.get(OrderTracker);
    await tracker.onAck(fresh.order, { orderId: 'reused-id', orderLinkId: 'Ecollision-new' });

    expect(
      await queryRows(ctx.database.url, `SELECT status, exchange_order_id FROM orders WHERE id = $1`, [fresh.order.id]),
    ).toEqual([{ status: 'Placed', exchange_order_id: 'reused-id' }]);
    const reports = errors.mock.calls.filter(([, message]) => String(message).includes('exchange order id collision'));
    expect(reports).toHaveLength(1);
    expect(reports[0][0]).toMatchObject({
      exchangeOrderId: 'reused-id',
      order: { clientOrderId: 'Ecollision-new' },
      others: [{ clientOrderId: 'Ecollision-old' }],
    });
    errors.mockRestore();
  });
});
