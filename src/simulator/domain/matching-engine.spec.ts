import { Dec } from './exact-decimal';
import { MatchingEngine } from './matching-engine';
import {
  anEngine,
  bookAt,
  engineDeps,
  lots,
  pushed,
  px,
  SYMBOL,
  T0,
  topics,
} from '../../../test/support/simulator-engine/engine-fixture';
import { StaticBook } from '../../../test/support/simulator-engine/static-book';
import { SimulatorRejection } from './v5-errors';

/** The retCode a call is rejected with (fails the spec when it is not rejected). */
function retCodeOf(call: () => unknown): number {
  try {
    call();
  } catch (error) {
    if (error instanceof SimulatorRejection) return error.retCode;
    throw error;
  }
  throw new Error('expected a SimulatorRejection');
}

/** Book used by most specs: bids 99.9×1, 99.8×2; asks 100.1×1, 100.2×2, 100.3×5. */
function ladder(): StaticBook {
  return StaticBook.of(
    [
      [px('99.9'), lots('1')],
      [px('99.8'), lots('2')],
    ],
    [
      [px('100.1'), lots('1')],
      [px('100.2'), lots('2')],
      [px('100.3'), lots('5')],
    ],
  );
}

const limit = (side: 'Buy' | 'Sell', qty: string, price: string, extra: object = {}) => ({
  symbol: SYMBOL,
  side,
  orderType: 'Limit',
  qty,
  price,
  ...extra,
});
const market = (side: 'Buy' | 'Sell', qty: string, extra: object = {}) => ({
  symbol: SYMBOL,
  side,
  orderType: 'Market',
  qty,
  ...extra,
});

describe(MatchingEngine.name, () => {
  describe('market orders', () => {
    it('should walk the levels and fill completely when the book is deep enough', () => {
      const { sut, book } = anEngine({}, ladder());

      const { result, updates } = sut.placeOrder(market('Buy', '2', { orderLinkId: 'm-1' }), T0 + 5);

      expect(topics(updates)).toEqual(['order', 'execution', 'position', 'wallet']);
      const [order] = pushed(updates, 'order');
      expect(order).toMatchObject({
        orderId: result.orderId,
        orderLinkId: 'm-1',
        orderStatus: 'Filled',
        orderType: 'Market',
        timeInForce: 'IOC', // Bybit turns Market into IOC
        qty: '2.000',
        cumExecQty: '2.000',
        leavesQty: '0',
        cumExecValue: '200.3',
        avgPrice: '100.15',
        cumExecFee: '0.110165', // 200.3 × 0.00055, exact
        cumFeeDetail: { USDT: '0.110165' },
        price: '105.1', // slippage band: 100.1 × 1.05 = 105.105, down to the tick
        createType: 'CreateByUser',
        createdTime: String(T0 + 5),
      });
      const executions = pushed(updates, 'execution');
      expect(executions.map((e) => [e.execPrice, e.execQty, e.execValue, e.execFee, e.isMaker, e.leavesQty])).toEqual([
        ['100.1', '1.000', '100.1', '0.055055', false, '1.000'],
        ['100.2', '1.000', '100.2', '0.05511', false, '0'],
      ]);
      expect(executions[0].feeRate).toBe('0.00055');
      expect(book.depth('asks')).toBe(lots('6')); // the fills consumed the book
    });

    it('should cancel the remainder with the fills kept when the book runs out', () => {
      const { sut } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(market('Buy', '10'), T0);

      const [order] = pushed(updates, 'order');
      // Derivatives: a partly filled then cancelled order is "Cancelled" with cumExecQty > 0 (BYBIT.md §5).
      expect(order).toMatchObject({ orderStatus: 'Cancelled', cumExecQty: '8.000', leavesQty: '2.000' });
      expect(pushed(updates, 'execution')).toHaveLength(3);
    });

    it('should not fill beyond the slippage band when levels are far from the best price', () => {
      const book = StaticBook.of(
        [[px('99'), lots('1')]],
        [
          [px('100'), lots('1')],
          [px('106'), lots('5')],
        ],
      );
      const { sut } = anEngine({ marketSlippage: '0.05' }, book);

      const { updates } = sut.placeOrder(market('Buy', '2'), T0);

      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'Cancelled',
        cumExecQty: '1.000',
        price: '105.0',
      });
      expect(book.depth('asks')).toBe(lots('5'));
    });

    it('should cancel without fills when the opposite side of the book is empty', () => {
      const { sut } = anEngine({}, StaticBook.of([[px('99'), lots('1')]], []));

      const { updates } = sut.placeOrder(market('Buy', '1'), T0);

      expect(pushed(updates, 'order')[0]).toMatchObject({ orderStatus: 'Cancelled', cumExecQty: '0', price: '0' });
      expect(topics(updates)).toEqual(['order', 'position']);
    });
  });

  describe('limit orders', () => {
    it('should take the marketable part and rest the rest as maker when GTC crosses the book', () => {
      const { sut, book } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(limit('Buy', '5', '100.2'), T0);

      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'PartiallyFilled',
        cumExecQty: '3.000',
        leavesQty: '2.000',
        leavesValue: '200.4',
        timeInForce: 'GTC',
      });
      expect(sut.listOrders({ symbol: SYMBOL, scope: 'open' })).toHaveLength(1);
      expect(book.bestAsk()).toBe(px('100.3'));
    });

    it('should rest as New and reserve order margin when the price does not cross', () => {
      const { sut } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(limit('Buy', '1', '99.5'), T0);

      expect(topics(updates)).toEqual(['order', 'position', 'wallet']);
      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'New',
        avgPrice: '0',
        cumExecQty: '0',
        cumFeeDetail: {},
      });
      expect(pushed(updates, 'position')[0]).toMatchObject({ side: '', size: '0', entryPrice: '0' });
      // IM = 99.5 / 10 (default leverage)
      expect(pushed(updates, 'wallet')[0].coin[0]).toMatchObject({ totalOrderIM: '9.95', walletBalance: '10000' });
      expect(sut.listOrders({ scope: 'open' })[0]).toMatchObject({ avgPrice: null, orderStatus: 'New', price: '99.5' });
    });

    it('should fill a resting order as maker at its limit price when the market crosses it', () => {
      const { sut, book } = anEngine({}, ladder());
      const { result } = sut.placeOrder(limit('Buy', '2', '99.5'), T0);

      book.set(
        [[px('98.9'), lots('3')]],
        [
          [px('99.4'), lots('1')],
          [px('99.5'), lots('3')],
        ],
      );
      const { updates } = sut.onMarketMove(SYMBOL, T0 + 100);

      expect(topics(updates)).toEqual(['order', 'execution', 'position', 'wallet']);
      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderId: result.orderId,
        orderStatus: 'Filled',
        avgPrice: '99.5',
      });
      const executions = pushed(updates, 'execution');
      expect(executions.map((e) => [e.execPrice, e.execQty, e.isMaker, e.feeRate, e.execFee])).toEqual([
        ['99.5', '1.000', true, '0.0002', '0.0199'],
        ['99.5', '1.000', true, '0.0002', '0.0199'],
      ]);
      expect(book.bestAsk()).toBe(px('99.5'));
      expect(book.depth('asks')).toBe(lots('2'));
    });

    it('should leave a resting order alone when the market moves without reaching it', () => {
      const { sut, book } = anEngine({}, ladder());
      sut.placeOrder(limit('Sell', '1', '101'), T0);

      book.set([[px('100.5'), lots('1')]], [[px('100.6'), lots('1')]]);

      expect(sut.onMarketMove(SYMBOL, T0 + 1).updates).toEqual([]);
    });

    it('should fill a resting order from a public trade through its price but not from one at its price', () => {
      const { sut } = anEngine({}, ladder());
      sut.placeOrder(limit('Buy', '1', '99.5'), T0);

      expect(sut.onPublicTrade(SYMBOL, 'Sell', px('99.5'), lots('5'), T0 + 1).updates).toEqual([]);
      const { updates } = sut.onPublicTrade(SYMBOL, 'Sell', px('99.4'), lots('0.4'), T0 + 2);

      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'PartiallyFilled',
        cumExecQty: '0.400',
        leavesQty: '0.600',
      });
      expect(pushed(updates, 'execution')[0]).toMatchObject({ execPrice: '99.5', isMaker: true });
    });

    it('should fill a resting order at its own price when the caller queue model says the trades reached it', () => {
      const { sut } = anEngine({}, ladder());
      const { result } = sut.placeOrder(limit('Buy', '1', '99.5'), T0);

      const first = sut.fillRestingAtPrice(result.orderId, lots('0.3'), T0 + 1);
      expect(first.result).toBe(lots('0.3'));
      expect(pushed(first.updates, 'execution')[0]).toMatchObject({
        execPrice: '99.5',
        execQty: '0.300',
        isMaker: true,
      });
      // More than is left fills only the rest; a closed or unknown order fills nothing.
      const second = sut.fillRestingAtPrice(result.orderId, lots('5'), T0 + 2);
      expect(second.result).toBe(lots('0.7'));
      expect(pushed(second.updates, 'order')[0]).toMatchObject({ orderStatus: 'Filled', cumExecQty: '1.000' });
      expect(sut.fillRestingAtPrice(result.orderId, lots('1'), T0 + 3)).toEqual({ result: 0, updates: [] });
      expect(sut.fillRestingAtPrice('no-such-order', lots('1'), T0 + 3)).toEqual({ result: 0, updates: [] });
    });

    it('should cancel the unfilled rest when IOC cannot fill completely', () => {
      const { sut } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(limit('Buy', '3', '100.1', { timeInForce: 'IOC' }), T0);

      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'Cancelled',
        cumExecQty: '1.000',
        leavesQty: '2.000',
      });
      expect(sut.listOrders({ scope: 'open' })).toEqual([]);
    });

    it('should cancel FOK without any fill when the book cannot fill it entirely', () => {
      const { sut, book } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(limit('Buy', '5', '100.2', { timeInForce: 'FOK' }), T0);

      expect(topics(updates)).toEqual(['order', 'position']);
      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'Cancelled',
        cumExecQty: '0',
        timeInForce: 'FOK',
      });
      expect(book.depth('asks')).toBe(lots('8'));
    });

    it('should fill FOK entirely when the book within the limit is deep enough', () => {
      const { sut } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(limit('Buy', '3', '100.2', { timeInForce: 'FOK' }), T0);

      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'Filled',
        cumExecQty: '3.000',
        cumExecValue: '300.5',
      });
    });

    it('should create then cancel a PostOnly order when it would take liquidity', () => {
      const { sut, book } = anEngine({}, ladder());

      const { result, updates } = sut.placeOrder(
        limit('Buy', '1', '100.1', { timeInForce: 'PostOnly', orderLinkId: 'po-1' }),
        T0,
      );

      expect(result).toEqual({ orderId: expect.any(String), orderLinkId: 'po-1' });
      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'Cancelled',
        rejectReason: 'EC_PostOnlyWillTakeLiquidity',
        cumExecQty: '0',
      });
      expect(book.depth('asks')).toBe(lots('8'));
    });

    it('should rest a PostOnly order when it does not cross', () => {
      const { sut } = anEngine({}, ladder());

      const { updates } = sut.placeOrder(limit('Sell', '1', '100.1', { timeInForce: 'PostOnly' }), T0);

      expect(pushed(updates, 'order')[0]).toMatchObject({ orderStatus: 'New', timeInForce: 'PostOnly' });
    });
  });

  describe('positions and PnL', () => {
    it('should track avg price, realised PnL and fees through open, increase, reduce, flip and close', () => {
      const { sut, book } = anEngine();
      const trade = (side: 'Buy' | 'Sell', qty: string, price: string, t: number) => {
        bookAt(book, price, side);
        return sut.placeOrder(market(side, qty), t).updates;
      };

      trade('Buy', '1', '100', T0 + 1);
      let position = pushed(trade('Buy', '1', '110', T0 + 2), 'position')[0];
      expect(position).toMatchObject({ side: 'Buy', size: '2.000', entryPrice: '105.0', positionValue: '210' });

      position = pushed(trade('Sell', '1', '120', T0 + 3), 'position')[0];
      // +15 on the closed lot, minus the fees so far (100 + 110 + 120) × 0.00055 = 0.1815
      expect(position).toMatchObject({ side: 'Buy', size: '1.000', entryPrice: '105.0', cumRealisedPnl: '14.8185' });

      const flip = trade('Sell', '3', '90', T0 + 4);
      position = pushed(flip, 'position')[0];
      expect(position).toMatchObject({ side: 'Sell', size: '2.000', entryPrice: '90.0', positionValue: '180' });
      expect(pushed(flip, 'execution')[0]).toMatchObject({ closedSize: '1.000', execPnl: '-15', execValue: '270' });
      // The flip starts a new position's curRealisedPnl: −15 on the closed lot − 270 × 0.00055.
      expect(position.curRealisedPnl).toBe('-15.1485');

      const close = trade('Buy', '2', '80', T0 + 5);
      position = pushed(close, 'position')[0];
      expect(position).toMatchObject({ side: '', size: '0', entryPrice: '0', positionValue: '0', positionIM: '0' });

      // Round trip: PnL 15 − 15 + 20 = 20; fees (100 + 110 + 120 + 270 + 160) × 0.00055 = 0.418.
      const wallet = pushed(close, 'wallet')[0];
      expect(wallet.coin[0]).toMatchObject({
        walletBalance: '10019.582',
        cumRealisedPnl: '19.582',
        totalPositionIM: '0',
      });
      expect(wallet.totalEquity).toBe('10019.582');
      expect(sut.listPositions({ symbol: SYMBOL })[0]).toMatchObject({
        cumRealisedPnl: '19.582',
        avgPrice: '0',
        side: '',
      });
      expect(sut.listPositions()).toEqual([]);
    });

    it('should value the position at the mark price without pushing the wallet', () => {
      const { sut, book } = anEngine();
      bookAt(book, '100', 'Buy');
      sut.placeOrder(market('Buy', '2'), T0);

      sut.setMarkPrice(SYMBOL, px('103.5'));

      const [position] = sut.listPositions();
      expect(position).toMatchObject({ unrealisedPnl: '7', markPrice: '103.5', positionIM: '20', positionMM: '1' });
      const wallet = sut.walletBalance();
      const fee = Dec.parse('200').mul(Dec.parse('0.00055'));
      const balance = Dec.parse('10000').sub(fee);
      expect(wallet.totalWalletBalance).toBe(balance.toString());
      expect(wallet.totalEquity).toBe(balance.add(Dec.parse('7')).toString());
      expect(wallet.totalAvailableBalance).toBe(balance.add(Dec.parse('7')).sub(Dec.parse('20')).toString());
      expect(wallet.totalPerpUPL).toBe('7');
    });

    it('should give the same equity alone as among the wallet figures, flat, long or short, before and after a mark', () => {
      const { sut, book } = anEngine();
      const same = () => expect(sut.equity().toString()).toBe(sut.walletFigures().equity.toString());
      same();
      bookAt(book, '100', 'Buy');
      sut.placeOrder(market('Buy', '2'), T0);
      same();
      sut.setMarkPrice(SYMBOL, px('103.5'));
      same();
      expect(sut.equity().toString()).not.toBe(Dec.parse(sut.walletBalance().totalWalletBalance).toString());
      bookAt(book, '103.5', 'Sell');
      sut.placeOrder(market('Sell', '3'), T0 + 1);
      sut.setMarkPrice(SYMBOL, px('101.2'));
      same();
    });

    it('should use the mid of the book as mark price on a market move', () => {
      const { sut, book } = anEngine();
      bookAt(book, '100', 'Sell');
      sut.placeOrder(market('Sell', '1'), T0);

      book.set([[px('95'), lots('1')]], [[px('95.2'), lots('1')]]);
      sut.onMarketMove(SYMBOL, T0 + 1);

      expect(sut.listPositions()[0]).toMatchObject({ side: 'Sell', markPrice: '95.1', unrealisedPnl: '4.9' });
    });

    it('should refuse leverage that is unchanged and apply a new one to the margins', () => {
      const { sut, book } = anEngine();
      bookAt(book, '100', 'Buy');
      sut.placeOrder(market('Buy', '1'), T0);

      expect(retCodeOf(() => sut.setLeverage(SYMBOL, '10', T0))).toBe(110043);
      const { updates } = sut.setLeverage(SYMBOL, '4', T0 + 1);

      expect(pushed(updates, 'position')[0]).toMatchObject({ leverage: '4', positionIM: '25' });
      expect(topics(updates)).toEqual(['position', 'wallet']);
    });
  });

  describe('margin', () => {
    it('should reject with 110007 when the available balance cannot cover margin and fee', () => {
      const { sut } = anEngine({ initialBalance: '100' }, ladder());

      // 1000 notional at 10x needs 100 IM + 0.55 fee > 100.
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '10', '100'), T0))).toBe(110007);
      expect(sut.placeOrder(limit('Buy', '9', '99'), T0).updates).toBeDefined();
      expect(sut.walletBalance().totalAvailableBalance).toBe('10.9');
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1.1', '99'), T0))).toBe(110007);
    });

    it('should need no margin for an order that only reduces the position', () => {
      const { sut, book } = anEngine({ initialBalance: '20' });
      bookAt(book, '100', 'Buy');
      sut.placeOrder(market('Buy', '1.5'), T0); // IM 15 of the 20

      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '100'), T0))).toBe(110007);
      const { updates } = sut.placeOrder(limit('Sell', '1.5', '150'), T0);

      expect(pushed(updates, 'order')[0].orderStatus).toBe('New');
      expect(sut.walletBalance().coin[0].totalOrderIM).toBe('0');
    });
  });

  describe('order identity and lifecycle', () => {
    it('should reject a duplicate orderLinkId with 110072 while the first order is open or closed', () => {
      const { sut } = anEngine({}, ladder());
      const first = sut.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'dup-1' }), T0);

      const rejection = (() => {
        try {
          sut.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'dup-1' }), T0);
        } catch (error) {
          return error as SimulatorRejection;
        }
      })();
      expect(rejection?.toV5()).toEqual({ retCode: 110072, retMsg: 'OrderLinkedID is duplicate' });

      sut.cancelOrder({ symbol: SYMBOL, orderId: first.result.orderId }, T0 + 1);
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'dup-1' }), T0 + 2))).toBe(110072);
    });

    it('should cancel by orderLinkId and push the cancelled order and the position', () => {
      const { sut } = anEngine({}, ladder());
      const placed = sut.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'c-1' }), T0);

      const { result, updates } = sut.cancelOrder({ symbol: SYMBOL, orderLinkId: 'c-1' }, T0 + 7);

      expect(result).toEqual({ orderId: placed.result.orderId, orderLinkId: 'c-1' });
      expect(topics(updates)).toEqual(['order', 'position', 'wallet']); // the order IM is released
      expect(pushed(updates, 'order')[0]).toMatchObject({
        orderStatus: 'Cancelled',
        cancelType: 'CancelByUser',
        updatedTime: String(T0 + 7),
        leavesQty: '1.000',
      });
      expect(sut.listOrders({ scope: 'closed' })).toHaveLength(1);
    });

    it('should answer 110001 for an unknown order and 110008 for a finished one', () => {
      const { sut } = anEngine({}, ladder());
      const filled = sut.placeOrder(market('Buy', '1'), T0);
      const resting = sut.placeOrder(limit('Buy', '1', '99'), T0);
      sut.cancelOrder({ symbol: SYMBOL, orderId: resting.result.orderId }, T0);

      expect(retCodeOf(() => sut.cancelOrder({ symbol: SYMBOL, orderId: 'nope' }, T0))).toBe(110001);
      expect(retCodeOf(() => sut.cancelOrder({ symbol: SYMBOL, orderLinkId: 'nope' }, T0))).toBe(110001);
      expect(retCodeOf(() => sut.cancelOrder({ symbol: SYMBOL, orderId: filled.result.orderId }, T0))).toBe(110008);
      expect(retCodeOf(() => sut.cancelOrder({ symbol: SYMBOL, orderId: resting.result.orderId }, T0))).toBe(110008);
      expect(retCodeOf(() => sut.amendOrder({ symbol: SYMBOL, orderId: 'nope', qty: '2' }, T0))).toBe(110001);
    });

    it('should cancel every open order of the symbol on cancel-all', () => {
      const { sut } = anEngine({}, ladder());
      const a = sut.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'a' }), T0);
      const b = sut.placeOrder(limit('Sell', '1', '101', { orderLinkId: 'b' }), T0);

      const { result, updates } = sut.cancelAll(SYMBOL, T0 + 1);

      expect(result).toEqual({
        list: [
          { orderId: a.result.orderId, orderLinkId: 'a' },
          { orderId: b.result.orderId, orderLinkId: 'b' },
        ],
        success: '1',
      });
      expect(pushed(updates, 'order').map((o) => o.orderStatus)).toEqual(['Cancelled', 'Cancelled']);
      expect(sut.listOrders({ scope: 'open' })).toEqual([]);
    });

    it('should amend qty and price of a resting order and trade when the new price crosses', () => {
      const { sut } = anEngine({}, ladder());
      const { result } = sut.placeOrder(limit('Buy', '2', '99', { orderLinkId: 'am-1' }), T0);

      const amended = sut.amendOrder({ symbol: SYMBOL, orderLinkId: 'am-1', qty: '3', price: '99.5' }, T0 + 1);
      expect(pushed(amended.updates, 'order')[0]).toMatchObject({ orderStatus: 'New', qty: '3.000', price: '99.5' });
      expect(retCodeOf(() => sut.amendOrder({ symbol: SYMBOL, orderId: result.orderId, price: '99.5' }, T0 + 2))).toBe(
        34040,
      );

      const crossed = sut.amendOrder({ symbol: SYMBOL, orderId: result.orderId, price: '100.1' }, T0 + 3);
      expect(pushed(crossed.updates, 'order')[0]).toMatchObject({
        orderStatus: 'PartiallyFilled',
        cumExecQty: '1.000',
        leavesQty: '2.000',
      });
      expect(pushed(crossed.updates, 'execution')[0]).toMatchObject({ isMaker: false, execPrice: '100.1' });
      expect(retCodeOf(() => sut.amendOrder({ symbol: SYMBOL, orderId: result.orderId, qty: '1' }, T0 + 4))).toBe(
        10001,
      );
    });
  });

  describe('reduce-only', () => {
    it('should reject reduce-only on a flat position or on the position side with 110017', () => {
      const { sut, book } = anEngine();
      bookAt(book, '100', 'Buy');

      expect(retCodeOf(() => sut.placeOrder(market('Sell', '1', { reduceOnly: true }), T0))).toBe(110017);
      sut.placeOrder(market('Buy', '1'), T0);
      expect(retCodeOf(() => sut.placeOrder(market('Buy', '1', { reduceOnly: true }), T0))).toBe(110017);
    });

    it('should cap a reduce-only qty to the position size so it closes without flipping', () => {
      const { sut, book } = anEngine();
      bookAt(book, '100', 'Buy');
      sut.placeOrder(market('Buy', '1'), T0);
      bookAt(book, '100', 'Sell');

      const { updates } = sut.placeOrder(market('Sell', '5', { reduceOnly: true }), T0 + 1);

      expect(pushed(updates, 'order')[0]).toMatchObject({ orderStatus: 'Filled', qty: '1.000', reduceOnly: true });
      expect(pushed(updates, 'position')[0]).toMatchObject({ size: '0', side: '' });
    });

    it('should cancel a resting reduce-only order with CancelByReduceOnly when the position closes', () => {
      const { sut, book } = anEngine();
      bookAt(book, '100', 'Buy');
      sut.placeOrder(market('Buy', '1'), T0);
      const tp = sut.placeOrder(limit('Sell', '1', '120', { reduceOnly: true }), T0);
      bookAt(book, '100', 'Sell');

      const { updates } = sut.placeOrder(market('Sell', '1'), T0 + 1);

      const orders = pushed(updates, 'order');
      expect(orders.find((o) => o.orderId === tp.result.orderId)).toMatchObject({
        orderStatus: 'Cancelled',
        cancelType: 'CancelByReduceOnly',
      });
    });
  });

  describe('validation', () => {
    it('should reject orders that break the instrument filters with Bybit retCodes', () => {
      const { sut } = anEngine({}, ladder());

      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '99.95'), T0))).toBe(10001); // off tick
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '200000'), T0))).toBe(110003);
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '0.01', '99'), T0))).toBe(110094); // 0.99 < 5 USDT
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1.0005', '99'), T0))).toBe(10001); // off step
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '0.0001', '99'), T0))).toBe(110017); // truncates to 0
      expect(retCodeOf(() => sut.placeOrder(market('Buy', '101'), T0))).toBe(10001); // > maxMktOrderQty
      expect(retCodeOf(() => sut.placeOrder({ ...limit('Buy', '1', '99'), symbol: 'NOPEUSDT' }, T0))).toBe(10001);
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '99', { positionIdx: 1 }), T0))).toBe(10001);
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '99', { timeInForce: 'GTD' }), T0))).toBe(10001);
      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'bad id!' }), T0))).toBe(10001);
      expect(sut.listOrders({ scope: 'all' })).toEqual([]); // rejections leave no trace
    });

    it('should reject the 501st active order of a symbol with 110020', () => {
      const { sut } = anEngine({ maxActiveOrdersPerSymbol: 2 }, ladder());
      sut.placeOrder(limit('Buy', '1', '99'), T0);
      sut.placeOrder(limit('Buy', '1', '98'), T0);

      expect(retCodeOf(() => sut.placeOrder(limit('Buy', '1', '97'), T0))).toBe(110020);
    });
  });

  describe('wire shapes', () => {
    it('should push records with the field names and types of the Bybit samples', () => {
      const { sut } = anEngine({}, ladder());
      const { updates } = sut.placeOrder(market('Buy', '1', { orderLinkId: 'shape' }), T0);

      const order = pushed(updates, 'order')[0];
      for (const key of WS_ORDER_SAMPLE_KEYS) expect(order).toHaveProperty(key);
      expect(typeof order.positionIdx).toBe('number');
      expect(typeof order.reduceOnly).toBe('boolean');
      const execution = pushed(updates, 'execution')[0];
      for (const key of WS_EXECUTION_SAMPLE_KEYS) expect(execution).toHaveProperty(key);
      expect(typeof execution.seq).toBe('number');
      expect(execution.execId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const position = pushed(updates, 'position')[0];
      for (const key of WS_POSITION_SAMPLE_KEYS) expect(position).toHaveProperty(key);
      const wallet = pushed(updates, 'wallet')[0];
      for (const key of WALLET_SAMPLE_KEYS) expect(wallet).toHaveProperty(key);
      for (const key of WALLET_COIN_SAMPLE_KEYS) expect(wallet.coin[0]).toHaveProperty(key);
      for (const key of REST_ORDER_SAMPLE_KEYS) expect(sut.listOrders({ scope: 'all' })[0]).toHaveProperty(key);
      for (const key of REST_EXECUTION_SAMPLE_KEYS) expect(sut.listExecutions()[0]).toHaveProperty(key);
      for (const key of REST_POSITION_SAMPLE_KEYS) expect(sut.listPositions()[0]).toHaveProperty(key);
      expect(updates.every((u) => typeof u.id === 'string' && u.creationTime === T0)).toBe(true);
    });

    it('should list orders and executions newest first and filter them', () => {
      const { sut } = anEngine({}, ladder());
      const first = sut.placeOrder(market('Buy', '1', { orderLinkId: 'one' }), T0);
      const second = sut.placeOrder(market('Buy', '3', { orderLinkId: 'two' }), T0 + 1);

      expect(sut.listOrders({ scope: 'all' }).map((o) => o.orderLinkId)).toEqual(['two', 'one']);
      expect(sut.listOrders({ scope: 'all', orderId: first.result.orderId })).toHaveLength(1);
      expect(sut.listExecutions({ orderId: second.result.orderId }).map((e) => e.execPrice)).toEqual([
        '100.3',
        '100.2',
      ]);
      expect(sut.listExecutions({ startTime: T0 + 1 })).toHaveLength(2);
    });
  });

  describe('snapshot and determinism', () => {
    it('should restore an equal account from a JSON snapshot that then behaves identically', () => {
      const original = anEngine({}, ladder());
      original.sut.placeOrder(market('Buy', '2', { orderLinkId: 'x' }), T0);
      original.sut.placeOrder(limit('Sell', '1', '101', { orderLinkId: 'y' }), T0 + 1);
      original.sut.setMarkPrice(SYMBOL, px('100.5'));

      const json = JSON.parse(JSON.stringify(original.sut.toSnapshot()));
      const twinBook = ladder();
      twinBook.set([], []);
      original.book.set([], []);
      const restored = MatchingEngine.fromSnapshot(engineDeps(twinBook), json);

      expect(restored.toSnapshot()).toEqual(original.sut.toSnapshot());
      expect(restored.listOrders({ scope: 'all' })).toEqual(original.sut.listOrders({ scope: 'all' }));
      expect(restored.listPositions()).toEqual(original.sut.listPositions());
      expect(restored.walletBalance()).toEqual(original.sut.walletBalance());
      expect(retCodeOf(() => restored.placeOrder(limit('Buy', '1', '99', { orderLinkId: 'x' }), T0))).toBe(110072);

      for (const book of [original.book, twinBook]) book.set([[px('101.5'), lots('3')]], [[px('101.6'), lots('3')]]);
      const a = original.sut.onMarketMove(SYMBOL, T0 + 2);
      const b = restored.onMarketMove(SYMBOL, T0 + 2);
      expect(b).toEqual(a);
      expect(pushed(b.updates, 'order')[0]).toMatchObject({ orderLinkId: 'y', orderStatus: 'Filled' });
    });

    it('should produce the same ids and pushes for the same seed and inputs', () => {
      const run = () => {
        const { sut } = anEngine({}, ladder());
        return [sut.placeOrder(market('Buy', '2'), T0), sut.placeOrder(limit('Sell', '1', '101'), T0 + 1)];
      };

      expect(run()).toEqual(run());
    });

    it('should keep only the configured number of closed orders and executions', () => {
      const { sut, book } = anEngine({ maxClosedOrders: 2, maxExecutions: 3 });
      for (let i = 0; i < 4; i++) {
        bookAt(book, '100', 'Buy');
        sut.placeOrder(market('Buy', '0.1', { orderLinkId: `h-${i}` }), T0 + i);
      }

      expect(sut.listOrders({ scope: 'all' }).map((o) => o.orderLinkId)).toEqual(['h-3', 'h-2']);
      expect(sut.listExecutions()).toHaveLength(3);
      expect(sut.placeOrder(market('Buy', '0.1', { orderLinkId: 'h-0' }), T0 + 9).result.orderLinkId).toBe('h-0');
    });
  });
});

// Field names copied from shared/data/bybit/v5-samples (ws_account_*.json, http_get_*.json).
const WS_ORDER_SAMPLE_KEYS = [
  'category',
  'symbol',
  'orderId',
  'side',
  'orderType',
  'cancelType',
  'price',
  'qty',
  'orderIv',
  'timeInForce',
  'orderStatus',
  'orderLinkId',
  'lastPriceOnCreated',
  'reduceOnly',
  'leavesQty',
  'leavesValue',
  'cumExecQty',
  'cumExecValue',
  'avgPrice',
  'blockTradeId',
  'positionIdx',
  'cumExecFee',
  'createdTime',
  'updatedTime',
  'rejectReason',
  'triggerPrice',
  'takeProfit',
  'stopLoss',
  'tpTriggerBy',
  'slTriggerBy',
  'tpLimitPrice',
  'slLimitPrice',
  'closeOnTrigger',
  'placeType',
  'smpType',
  'smpGroup',
  'smpOrderId',
  'feeCurrency',
  'triggerBy',
  'stopOrderType',
  'triggerDirection',
  'tpslMode',
  'createType',
];
const WS_EXECUTION_SAMPLE_KEYS = [
  'category',
  'symbol',
  'closedSize',
  'execFee',
  'execId',
  'execPrice',
  'execQty',
  'execType',
  'execValue',
  'feeRate',
  'tradeIv',
  'markIv',
  'blockTradeId',
  'markPrice',
  'indexPrice',
  'underlyingPrice',
  'leavesQty',
  'orderId',
  'orderLinkId',
  'orderPrice',
  'orderQty',
  'orderType',
  'stopOrderType',
  'side',
  'execTime',
  'isLeverage',
  'isMaker',
  'seq',
];
const WS_POSITION_SAMPLE_KEYS = [
  'positionIdx',
  'tradeMode',
  'riskId',
  'riskLimitValue',
  'symbol',
  'side',
  'size',
  'entryPrice',
  'sessionAvgPrice',
  'leverage',
  'positionValue',
  'positionBalance',
  'markPrice',
  'positionIM',
  'positionMM',
  'positionIMByMp',
  'positionMMByMp',
  'takeProfit',
  'stopLoss',
  'trailingStop',
  'unrealisedPnl',
  'cumRealisedPnl',
  'curRealisedPnl',
  'createdTime',
  'updatedTime',
  'tpslMode',
  'liqPrice',
  'bustPrice',
  'category',
  'positionStatus',
  'adlRankIndicator',
  'autoAddMargin',
  'leverageSysUpdatedTime',
  'mmrSysUpdatedTime',
  'seq',
  'isReduceOnly',
];
const WALLET_SAMPLE_KEYS = [
  'accountIMRate',
  'accountMMRate',
  'accountLTV',
  'totalEquity',
  'totalWalletBalance',
  'totalMarginBalance',
  'totalAvailableBalance',
  'totalInitialMargin',
  'totalMaintenanceMargin',
  'accountType',
  'totalPerpUPL',
  'coin',
];
const WALLET_COIN_SAMPLE_KEYS = [
  'availableToBorrow',
  'bonus',
  'accruedInterest',
  'availableToWithdraw',
  'totalOrderIM',
  'equity',
  'totalPositionMM',
  'usdValue',
  'unrealisedPnl',
  'borrowAmount',
  'totalPositionIM',
  'walletBalance',
  'cumRealisedPnl',
  'locked',
  'collateralSwitch',
  'marginCollateral',
  'coin',
  'spotBorrow',
];
const REST_ORDER_SAMPLE_KEYS = [
  'orderId',
  'orderLinkId',
  'blockTradeId',
  'symbol',
  'price',
  'qty',
  'side',
  'isLeverage',
  'positionIdx',
  'orderStatus',
  'cancelType',
  'rejectReason',
  'avgPrice',
  'leavesQty',
  'leavesValue',
  'cumExecQty',
  'cumExecValue',
  'cumExecFee',
  'timeInForce',
  'orderType',
  'stopOrderType',
  'orderIv',
  'triggerPrice',
  'takeProfit',
  'stopLoss',
  'tpTriggerBy',
  'slTriggerBy',
  'triggerDirection',
  'triggerBy',
  'lastPriceOnCreated',
  'reduceOnly',
  'closeOnTrigger',
  'smpType',
  'smpGroup',
  'smpOrderId',
  'tpslMode',
  'tpLimitPrice',
  'slLimitPrice',
  'placeType',
  'createdTime',
  'updatedTime',
];
const REST_EXECUTION_SAMPLE_KEYS = [
  'symbol',
  'orderId',
  'orderLinkId',
  'side',
  'orderPrice',
  'orderQty',
  'leavesQty',
  'createType',
  'orderType',
  'stopOrderType',
  'execFee',
  'execId',
  'execPrice',
  'execQty',
  'execType',
  'execValue',
  'execTime',
  'feeCurrency',
  'isMaker',
  'feeRate',
  'tradeIv',
  'markIv',
  'markPrice',
  'indexPrice',
  'underlyingPrice',
  'blockTradeId',
  'closedSize',
  'seq',
];
const REST_POSITION_SAMPLE_KEYS = [
  'positionIdx',
  'riskId',
  'riskLimitValue',
  'symbol',
  'side',
  'size',
  'avgPrice',
  'positionValue',
  'tradeMode',
  'positionStatus',
  'autoAddMargin',
  'adlRankIndicator',
  'leverage',
  'positionBalance',
  'markPrice',
  'liqPrice',
  'bustPrice',
  'positionMM',
  'positionIM',
  'tpslMode',
  'takeProfit',
  'stopLoss',
  'trailingStop',
  'unrealisedPnl',
  'curRealisedPnl',
  'cumRealisedPnl',
  'seq',
  'isReduceOnly',
  'mmrSysUpdatedTime',
  'leverageSysUpdatedTime',
  'createdTime',
  'updatedTime',
];
