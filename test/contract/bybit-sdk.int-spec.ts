/**
 * Contract: the simulator speaks Bybit V5 as the unchanged `bybit-api` SDK (4.7.x) expects (BYBIT.md §2–§10).
 * Real: the simulator (src/simulator/simulator-runtime.ts) on a random loopback port, RestClientV5 and
 * WebsocketClient with nothing changed but their base URLs. Faked: nothing.
 * One simulator for the file; the trading tests run in order and share its account (fresh, 10000 USDT).
 */
import { createHmac } from 'node:crypto';
import { RestClientV5, WebsocketClient } from 'bybit-api';
import type { DefaultLogger } from 'bybit-api';
import { startSimulator } from '../../src/simulator/simulator-runtime';
import {
  answerOf,
  linkId,
  priceAt,
  RunningSimulator,
  SIM_API_KEY,
  SIM_API_SECRET,
  startContractSimulator,
} from '../support/simulator';
import { sleep, waitFor } from '../support/wait-for';

type Frame = Record<string, unknown> & { topic?: string; type?: string; data?: unknown; wsKey?: string };
type Row = Record<string, unknown>;

const INITIAL_BALANCE = 10000;
const TAKER_FEE_RATE = 0.00055;

/** The SDK logs every connection step; keep its errors for the failure messages, drop the rest. */
function quietLogger(errors: unknown[]): DefaultLogger {
  return { trace: () => undefined, info: () => undefined, error: (...params: unknown[]) => void errors.push(params) };
}

function rowsOf(frames: readonly Frame[], topic: string): Row[] {
  return frames.filter((f) => f.topic === topic && Array.isArray(f.data)).flatMap((f) => f.data as Row[]);
}

function isDescending(levels: readonly string[][]): boolean {
  return levels.every((level, i) => i === 0 || Number(levels[i - 1][0]) > Number(level[0]));
}

function isAscending(levels: readonly string[][]): boolean {
  return levels.every((level, i) => i === 0 || Number(levels[i - 1][0]) < Number(level[0]));
}

describe(startSimulator.name, () => {
  let sim: RunningSimulator;
  let rest: RestClientV5;
  let ws: WebsocketClient;
  const updates: Frame[] = [];
  const responses: Frame[] = [];
  const exceptions: Frame[] = [];
  const authenticated: string[] = [];
  const sdkErrors: unknown[] = [];
  let btcBid = '';

  beforeAll(async () => {
    sim = await startContractSimulator();
    rest = new RestClientV5({
      key: SIM_API_KEY,
      secret: SIM_API_SECRET,
      baseUrl: sim.restUrl,
      parseAPIRateLimits: true,
    });
    // One client, one URL for every connection (public linear and private), as the SDK's `wsUrl` option works.
    ws = new WebsocketClient(
      { key: SIM_API_KEY, secret: SIM_API_SECRET, wsUrl: sim.wsUrl, market: 'v5' },
      quietLogger(sdkErrors),
    );
    ws.on('update', (m: Frame) => void updates.push(m));
    ws.on('response', (m: Frame) => void responses.push(m));
    ws.on('exception', (m: Frame) => void exceptions.push(m));
    ws.on('authenticated', (m: { wsKey: string }) => void authenticated.push(m.wsKey));
    void Promise.all(ws.subscribeV5(['order', 'execution', 'position', 'wallet'], 'linear')).catch(() => undefined);
  }, 20_000);

  afterAll(async () => {
    ws?.closeAll(true);
    ws?.removeAllListeners();
    await sim?.stop();
  });

  const bestBid = async (symbol = 'BTCUSDT'): Promise<string> => {
    const book = await rest.getOrderbook({ category: 'linear', symbol, limit: 1 });
    expect(book.retCode).toBe(0);
    return book.result.b[0][0];
  };

  describe('market data', () => {
    it('should answer getServerTime with the server clock when called', async () => {
      const sut = new RestClientV5({ baseUrl: sim.restUrl });
      const before = Date.now();
      const answer = await sut.getServerTime();
      const after = Date.now();
      expect(answer.retCode).toBe(0);
      expect(typeof answer.time).toBe('number');
      expect(answer.time).toBeGreaterThanOrEqual(before - 1000);
      expect(answer.time).toBeLessThanOrEqual(after + 1000);
      expect(answer.result.timeSecond).toMatch(/^\d{10}$/);
      expect(answer.result.timeNano).toMatch(/^\d{19}$/);
      expect(Math.abs(Number(BigInt(answer.result.timeNano) / 1_000_000n) - answer.time)).toBeLessThan(1000);
    });

    it('should list the three symbols with their real filters when getInstrumentsInfo is called', async () => {
      const answer = await rest.getInstrumentsInfo({ category: 'linear' });
      expect(answer.retCode).toBe(0);
      expect(answer.result.category).toBe('linear');
      const list = answer.result.list as unknown as Row[];
      const bySymbol = new Map(list.map((i) => [i.symbol as string, i]));
      const expected = {
        BTCUSDT: { tickSize: 0.1, qtyStep: 0.001, minOrderQty: 0.001, minNotional: 5 },
        ETHUSDT: { tickSize: 0.01, qtyStep: 0.01 },
        SOLUSDT: { tickSize: 0.01, qtyStep: 0.1 },
      } as const;
      for (const [symbol, filters] of Object.entries(expected)) {
        const instrument = bySymbol.get(symbol);
        expect(instrument).toMatchObject({
          symbol,
          contractType: 'LinearPerpetual',
          status: 'Trading',
          baseCoin: symbol.replace('USDT', ''),
          quoteCoin: 'USDT',
          settleCoin: 'USDT',
        });
        const priceFilter = instrument?.priceFilter as Row;
        const lotSizeFilter = instrument?.lotSizeFilter as Row;
        // Decimal strings on the wire (BYBIT.md §3), compared by value.
        for (const value of [
          priceFilter.tickSize,
          priceFilter.minPrice,
          priceFilter.maxPrice,
          lotSizeFilter.qtyStep,
          lotSizeFilter.minOrderQty,
          lotSizeFilter.maxOrderQty,
        ]) {
          expect(typeof value).toBe('string');
        }
        expect(Number(priceFilter.tickSize)).toBe(filters.tickSize);
        expect(Number(lotSizeFilter.qtyStep)).toBe(filters.qtyStep);
        if ('minOrderQty' in filters) expect(Number(lotSizeFilter.minOrderQty)).toBe(filters.minOrderQty);
        if ('minNotional' in filters) expect(Number(lotSizeFilter.minNotionalValue)).toBe(filters.minNotional);
        expect(instrument?.leverageFilter).toEqual(
          expect.objectContaining({
            minLeverage: expect.any(String),
            maxLeverage: expect.any(String),
            leverageStep: expect.any(String),
          }),
        );
      }
    });

    it('should send a snapshot first then deltas with contiguous u and increasing seq when orderbook.50.BTCUSDT is subscribed', async () => {
      const topic = 'orderbook.50.BTCUSDT';
      void Promise.all(ws.subscribeV5(topic, 'linear')).catch(() => undefined);
      const book = () => updates.filter((f) => f.topic === topic);
      await waitFor(() => book().length >= 21, 10_000, `a snapshot and 20 deltas on ${topic}`);

      const ack = responses.find((r) => r.op === 'subscribe' && r.req_id === topic);
      expect(ack).toMatchObject({ success: true, op: 'subscribe', req_id: topic });

      const frames = book().slice(0, 21);
      expect(frames.map((f) => f.type)).toEqual(['snapshot', ...Array(20).fill('delta')]);
      const snapshot = frames[0] as Frame & {
        ts: number;
        data: { s: string; b: string[][]; a: string[][]; u: number; seq: number };
      };
      expect(typeof snapshot.ts).toBe('number');
      expect(snapshot.data.s).toBe('BTCUSDT');
      expect(snapshot.data.b.length).toBeGreaterThan(0);
      expect(snapshot.data.a.length).toBeGreaterThan(0);
      expect(snapshot.data.b.length).toBeLessThanOrEqual(50);
      expect(snapshot.data.a.length).toBeLessThanOrEqual(50);
      for (const level of [...snapshot.data.b, ...snapshot.data.a]) {
        expect(level).toEqual([expect.stringMatching(/^\d+(\.\d+)?$/), expect.stringMatching(/^\d+(\.\d+)?$/)]);
      }
      expect(isDescending(snapshot.data.b)).toBe(true);
      expect(isAscending(snapshot.data.a)).toBe(true);
      expect(Number(snapshot.data.b[0][0])).toBeLessThan(Number(snapshot.data.a[0][0]));
      expect(Number(snapshot.data.b[0][0])).toBeGreaterThan(96000 * 0.8);
      expect(Number(snapshot.data.a[0][0])).toBeLessThan(96000 * 1.2);

      const ids = frames.map((f) => f.data as { u: number; seq: number });
      for (let i = 1; i < ids.length; i += 1) {
        expect({ i, u: ids[i].u }).toEqual({ i, u: ids[i - 1].u + 1 });
        expect(ids[i].seq).toBeGreaterThan(ids[i - 1].seq);
      }
      btcBid = snapshot.data.b[0][0];
    }, 20_000);
  });

  describe('trading', () => {
    let limitOrder: { orderId: string; orderLinkId: string; price: string; updatesBefore: number } | null = null;

    it('should authenticate and acknowledge the private subscriptions when one wsUrl serves both', async () => {
      await waitFor(() => authenticated.includes('v5Private'), 5000, 'the private connection to authenticate');
      const topics = 'order,execution,position,wallet';
      await waitFor(
        () => responses.some((r) => r.op === 'subscribe' && r.req_id === topics),
        5000,
        'the private subscribe ack',
      );
      expect(responses.find((r) => r.op === 'subscribe' && r.req_id === topics)).toMatchObject({ success: true });
      expect(exceptions).toEqual([]);
      // No snapshot on subscribe for the private topics (BYBIT.md §7): nothing happened on the account yet.
      expect(rowsOf(updates, 'wallet')).toEqual([]);
    });

    it('should accept a signed GTC Limit order far from the market and push it as New when submitted', async () => {
      const price = priceAt(btcBid || (await bestBid()), 0.9, '0.10');
      const orderLinkId = linkId('sdk-limit');
      const updatesBefore = updates.length;
      const answer = await rest.submitOrder({
        category: 'linear',
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Limit',
        qty: '0.001',
        price,
        timeInForce: 'GTC',
        orderLinkId,
      });
      expect({ retCode: answer.retCode, retMsg: answer.retMsg }).toEqual({ retCode: 0, retMsg: expect.any(String) });
      expect(answer.result.orderId).toEqual(expect.stringMatching(/.+/));
      expect(answer.result.orderLinkId).toBe(orderLinkId);
      expect(answer.retExtInfo).toBeDefined();
      // X-Bapi-Limit* headers on private endpoints (BYBIT.md §8, §11.1), parsed by the SDK.
      expect(answer.rateLimitApi).toMatchObject({
        maxRequests: 10,
        remainingRequests: expect.any(Number),
        resetAtTimestamp: expect.any(Number),
      });
      limitOrder = { orderId: answer.result.orderId, orderLinkId, price, updatesBefore };

      await waitFor(
        () => rowsOf(updates, 'order').some((o) => o.orderId === limitOrder?.orderId),
        5000,
        'the order push',
      );
      const pushed = rowsOf(updates, 'order').filter((o) => o.orderId === limitOrder?.orderId);
      expect(pushed[0]).toMatchObject({
        category: 'linear',
        orderId: limitOrder.orderId,
        orderLinkId,
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Limit',
        timeInForce: 'GTC',
        orderStatus: 'New',
        positionIdx: 0,
        cumExecQty: expect.any(String),
        leavesQty: expect.any(String),
        createdTime: expect.stringMatching(/^\d{13}$/),
        updatedTime: expect.stringMatching(/^\d{13}$/),
      });
      expect(Number(pushed[0].price)).toBe(Number(price));
      expect(Number(pushed[0].qty)).toBe(0.001);
      expect(Number(pushed[0].leavesQty)).toBe(0.001);
      // BYBIT.md §5: the simulator sends both fee fields.
      expect(pushed[0]).toHaveProperty('cumExecFee');
      expect(pushed[0]).toHaveProperty('cumFeeDetail');

      const open = await rest.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' });
      expect(open.retCode).toBe(0);
      const listed = (open.result.list as unknown as Row[]).find((o) => o.orderId === limitOrder?.orderId);
      expect(listed).toMatchObject({ orderLinkId, orderStatus: 'New', symbol: 'BTCUSDT', side: 'Buy' });
      const byLink = await rest.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT', orderLinkId });
      expect((byLink.result.list as unknown as Row[]).map((o) => o.orderId)).toEqual([limitOrder.orderId]);
    });

    it('should push position when an order is created, even with no change (BYBIT.md §7)', async () => {
      expect(limitOrder).not.toBeNull();
      await waitFor(
        () => rowsOf(updates.slice(limitOrder?.updatesBefore ?? 0), 'position').some((p) => p.symbol === 'BTCUSDT'),
        3000,
        'a position push after the create',
      );
    });

    it('should cancel the order and push Cancelled when cancelOrder is called', async () => {
      expect(limitOrder).not.toBeNull();
      const { orderId } = limitOrder as { orderId: string };
      const answer = await rest.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderId });
      expect(answer.retCode).toBe(0);
      expect(answer.result.orderId).toBe(orderId);

      await waitFor(
        () => rowsOf(updates, 'order').some((o) => o.orderId === orderId && o.orderStatus === 'Cancelled'),
        5000,
        'the Cancelled push',
      );
      expect(
        rowsOf(updates, 'order').find((o) => o.orderId === orderId && o.orderStatus === 'Cancelled'),
      ).toMatchObject({ cancelType: 'CancelByUser', cumExecQty: expect.any(String) });
      const open = await rest.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' });
      expect((open.result.list as unknown as Row[]).map((o) => o.orderId)).not.toContain(orderId);

      const again = await rest.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderId });
      expect([110001, 110008, 110010]).toContain(again.retCode);
    });

    it('should fill a Market Buy of 0.001 and push execution and position when submitted', async () => {
      const orderLinkId = linkId('sdk-market');
      const answer = await rest.submitOrder({
        category: 'linear',
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Market',
        qty: '0.001',
        orderLinkId,
      });
      expect(answer.retCode).toBe(0);
      const orderId = answer.result.orderId;

      const fills = () => rowsOf(updates, 'execution').filter((e) => e.orderId === orderId);
      await waitFor(
        () => fills().reduce((sum, e) => sum + Number(e.execQty), 0) >= 0.001 - 1e-12,
        5000,
        'the execution pushes',
      );
      for (const fill of fills()) {
        expect(fill).toMatchObject({
          category: 'linear',
          symbol: 'BTCUSDT',
          side: 'Buy',
          orderLinkId,
          execType: 'Trade',
          isMaker: false,
          execId: expect.any(String),
        });
        expect(Number(fill.feeRate)).toBeCloseTo(TAKER_FEE_RATE, 10);
        expect(Number(fill.execFee)).toBeCloseTo(Number(fill.execValue) * TAKER_FEE_RATE, 8);
        expect(Number(fill.execValue)).toBeCloseTo(Number(fill.execPrice) * Number(fill.execQty), 6);
      }
      const qty = fills().reduce((sum, e) => sum + Number(e.execQty), 0);
      const vwap = fills().reduce((sum, e) => sum + Number(e.execPrice) * Number(e.execQty), 0) / qty;
      const fees = fills().reduce((sum, e) => sum + Number(e.execFee), 0);
      expect(qty).toBeCloseTo(0.001, 12);

      await waitFor(
        () => rowsOf(updates, 'order').some((o) => o.orderId === orderId && o.orderStatus === 'Filled'),
        5000,
        'the Filled order push',
      );
      await waitFor(
        () => rowsOf(updates, 'position').some((p) => p.symbol === 'BTCUSDT' && Number(p.size) === 0.001),
        5000,
        'a position push of size 0.001',
      );
      const pushedPosition = rowsOf(updates, 'position')
        .filter((p) => p.symbol === 'BTCUSDT' && Number(p.size) === 0.001)
        .pop() as Row;
      expect(pushedPosition).toMatchObject({ side: 'Buy', positionIdx: 0, category: 'linear' });
      expect(Number(pushedPosition.entryPrice)).toBeCloseTo(vwap, 6); // WS position: entryPrice, not avgPrice (BYBIT.md §7)

      const positions = await rest.getPositionInfo({ category: 'linear', symbol: 'BTCUSDT' });
      expect(positions.retCode).toBe(0);
      const position = (positions.result.list as unknown as Row[]).find((p) => p.symbol === 'BTCUSDT') as Row;
      expect(position).toMatchObject({ side: 'Buy', positionIdx: 0 });
      expect(Number(position.size)).toBe(0.001);
      expect(Number(position.avgPrice)).toBeCloseTo(vwap, 6);

      const executions = await rest.getExecutionList({ category: 'linear', symbol: 'BTCUSDT', orderId });
      expect(executions.retCode).toBe(0);
      expect((executions.result.list as unknown as Row[]).map((e) => e.execId).sort()).toEqual(
        fills()
          .map((e) => e.execId)
          .sort(),
      );

      const wallet = await rest.getWalletBalance({ accountType: 'UNIFIED' });
      expect(wallet.retCode).toBe(0);
      const account = (wallet.result.list as unknown as Row[])[0];
      expect(account.accountType).toBe('UNIFIED');
      const usdt = (account.coin as Row[]).find((c) => c.coin === 'USDT') as Row;
      // Only the taker fee has been paid so far: the earlier limit order never filled.
      expect(Number(usdt.walletBalance)).toBeCloseTo(INITIAL_BALANCE - fees, 6);
      expect(fees).toBeGreaterThan(0);
    });
  });

  describe('errors', () => {
    it('should answer 10004 when the signature is made with a wrong secret', async () => {
      const sut = new RestClientV5({ key: SIM_API_KEY, secret: 'not-the-secret', baseUrl: sim.restUrl });
      const answer = await answerOf(sut.getWalletBalance({ accountType: 'UNIFIED' }));
      expect({ retCode: answer.retCode, retMsg: answer.retMsg }).toEqual({
        retCode: 10004,
        retMsg: expect.stringContaining('error sign'),
      });
    });

    it('should answer 10003 when the API key is unknown', async () => {
      const sut = new RestClientV5({ key: 'unknown-key', secret: SIM_API_SECRET, baseUrl: sim.restUrl });
      const answer = await answerOf(sut.getWalletBalance({ accountType: 'UNIFIED' }));
      expect(answer.retCode).toBe(10003);
    });

    it('should answer 10004 when a GET query is altered after signing', async () => {
      // The signature covers the raw query as sent (BYBIT.md §2): sign one query, send another.
      const timestamp = String(Date.now());
      const signed = 'accountType=UNIFIED';
      const sign = createHmac('sha256', SIM_API_SECRET).update(`${timestamp}${SIM_API_KEY}5000${signed}`).digest('hex');
      const headers = {
        'X-BAPI-API-KEY': SIM_API_KEY,
        'X-BAPI-TIMESTAMP': timestamp,
        'X-BAPI-RECV-WINDOW': '5000',
        'X-BAPI-SIGN': sign,
      };
      const good = await fetch(`${sim.restUrl}/v5/account/wallet-balance?${signed}`, { headers });
      expect(((await good.json()) as Row).retCode).toBe(0);
      const bad = await fetch(`${sim.restUrl}/v5/account/wallet-balance?${signed}&coin=USDT`, { headers });
      expect(((await bad.json()) as Row).retCode).toBe(10004);
    });

    it('should answer 10002 when the timestamp is outside the recv window', async () => {
      const timestamp = String(Date.now() - 60_000);
      const query = 'accountType=UNIFIED';
      const sign = createHmac('sha256', SIM_API_SECRET).update(`${timestamp}${SIM_API_KEY}5000${query}`).digest('hex');
      const response = await fetch(`${sim.restUrl}/v5/account/wallet-balance?${query}`, {
        headers: {
          'X-BAPI-API-KEY': SIM_API_KEY,
          'X-BAPI-TIMESTAMP': timestamp,
          'X-BAPI-RECV-WINDOW': '5000',
          'X-BAPI-SIGN': sign,
        },
      });
      expect(((await response.json()) as Row).retCode).toBe(10002);
    });

    it('should answer 110072 when an orderLinkId is reused', async () => {
      const price = priceAt(await bestBid(), 0.9, '0.10');
      const orderLinkId = linkId('sdk-dup');
      const order = {
        category: 'linear',
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Limit',
        qty: '0.001',
        price,
        timeInForce: 'GTC',
        orderLinkId,
      } as const;
      const first = await rest.submitOrder(order);
      expect(first.retCode).toBe(0);
      const second = await rest.submitOrder(order);
      expect(second.retCode).toBe(110072);
      await rest.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId });
    });

    it('should answer some creates with 10006 and X-Bapi-Limit headers when 15 arrive within one second', async () => {
      await sleep(1100); // a fresh rolling second for /v5/order/create
      const price = priceAt(await bestBid(), 0.9, '0.10');
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          answerOf(
            rest.submitOrder({
              category: 'linear',
              symbol: 'BTCUSDT',
              side: 'Buy',
              orderType: 'Limit',
              qty: '0.001',
              price,
              timeInForce: 'PostOnly',
              orderLinkId: linkId(`sdk-rl${i}`),
            }),
          ),
        ),
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(1000); // otherwise the burst did not fall into one second and the test proves nothing
      const limited = answers.filter((a) => a.retCode === 10006);
      const accepted = answers.filter((a) => a.retCode === 0);
      expect({
        accepted: accepted.length,
        limited: limited.length,
        other: answers.filter((a) => a.retCode !== 0 && a.retCode !== 10006).map((a) => [a.retCode, a.retMsg]),
      }).toEqual({
        accepted: 10,
        limited: 5,
        other: [],
      });
      expect(limited[0]).toMatchObject({ httpStatus: 200, retMsg: 'Too many visits!' });
      for (const answer of limited) {
        expect(answer.rateLimitApi).toEqual({
          maxRequests: 10,
          remainingRequests: 0,
          resetAtTimestamp: expect.any(Number),
        });
        expect(answer.rateLimitApi?.resetAtTimestamp).toBeGreaterThan(started);
        expect(answer.rateLimitApi?.resetAtTimestamp).toBeLessThanOrEqual(Date.now() + 1100);
      }
      for (const answer of accepted) expect(answer.rateLimitApi?.maxRequests).toBe(10);
      const remaining = accepted.map((a) => a.rateLimitApi?.remainingRequests).sort((x, y) => Number(y) - Number(x));
      expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

      await sleep(1100);
      const cancelled = await rest.cancelAllOrders({ category: 'linear', symbol: 'BTCUSDT' });
      expect(cancelled.retCode).toBe(0);
    }, 15_000);
  });

  describe('control', () => {
    it('should mirror control.setFaults on GET /sim/faults and accept POST /sim/faults', async () => {
      sim.control.setFaults({ wsDelayMs: 5 });
      const read = await fetch(`${sim.restUrl}/sim/faults`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ wsDelayMs: 5, httpErrorRate: 0 });
      const write = await fetch(`${sim.restUrl}/sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ wsDelayMs: 0 }),
      });
      expect({ status: write.status, body: (await write.json()) as unknown }).toEqual({
        status: 200,
        body: expect.objectContaining({ wsDelayMs: 0 }),
      });
      expect(await (await fetch(`${sim.restUrl}/sim/faults`)).json()).toMatchObject({ wsDelayMs: 0 });
    });

    it('should skip one u on the next delta when POST /sim/gap names an open book', async () => {
      const topic = 'orderbook.50.BTCUSDT';
      const from = updates.length;
      const lastU = (updates.filter((f) => f.topic === topic).pop()?.data as { u: number }).u;
      const response = await fetch(`${sim.restUrl}/sim/gap`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTCUSDT', depth: 50 }),
      });
      expect({ status: response.status, body: (await response.json()) as unknown }).toEqual({
        status: 200,
        body: { gap: true },
      });
      const us = () => [
        lastU,
        ...updates
          .slice(from)
          .filter((f) => f.topic === topic)
          .map((f) => (f.data as { u: number }).u),
      ];
      await waitFor(() => us().length >= 4, 3000, 'three more deltas');
      const steps = us()
        .slice(1)
        .map((u, i) => u - us()[i]);
      expect(steps.filter((d) => d !== 1)).toEqual([2]);
    });

    it('should send a snapshot with u=1 when POST /sim/reset-snapshot is called', async () => {
      const topic = 'orderbook.50.BTCUSDT';
      const from = updates.length;
      const response = await fetch(`${sim.restUrl}/sim/reset-snapshot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTCUSDT' }),
      });
      expect(response.status).toBe(200);
      await waitFor(
        () =>
          updates
            .slice(from)
            .some((f) => f.topic === topic && f.type === 'snapshot' && (f.data as { u: number }).u === 1),
        3000,
        'a snapshot with u=1',
      );
    });

    it('should close every connection and let the SDK reconnect when POST /sim/ws/drop is called', async () => {
      const reconnected: string[] = [];
      ws.on('reconnected', (e: { wsKey: string }) => void reconnected.push(e.wsKey));
      const from = updates.length;
      const response = await fetch(`${sim.restUrl}/sim/ws/drop`, { method: 'POST' });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { dropped: number }).dropped).toBeGreaterThanOrEqual(2); // public + private
      await waitFor(
        () => reconnected.includes('v5LinearPublic') && reconnected.includes('v5Private'),
        5000,
        'both SDK connections back',
      );
      await waitFor(
        () => updates.slice(from).some((f) => f.topic === 'orderbook.50.BTCUSDT' && f.type === 'snapshot'),
        5000,
        'a fresh snapshot after the resubscribe',
      );
    }, 10_000);

    it('should answer HTTP 503 when httpErrorRate is 1', async () => {
      sim.control.setFaults({ httpErrorRate: 1 });
      try {
        const answer = await answerOf(rest.getWalletBalance({ accountType: 'UNIFIED' }));
        expect(answer.httpStatus).toBe(503);
      } finally {
        sim.control.setFaults({ httpErrorRate: 0 });
      }
      expect((await rest.getWalletBalance({ accountType: 'UNIFIED' })).retCode).toBe(0);
    });
  });
});

describe(`${startSimulator.name} seeds`, () => {
  const sims: RunningSimulator[] = [];

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  /** The first book a client sees; a long step keeps the market model from moving before we look. */
  async function initialBook(
    seed: number,
  ): Promise<{ rest: { b: string[][]; a: string[][] }; ws: { b: string[][]; a: string[][] } }> {
    const sim = await startContractSimulator({ seed, stepMs: 60_000 });
    sims.push(sim);
    const rest = await new RestClientV5({ baseUrl: sim.restUrl }).getOrderbook({
      category: 'linear',
      symbol: 'BTCUSDT',
      limit: 50,
    });
    expect(rest.retCode).toBe(0);
    const client = new WebsocketClient({ wsUrl: sim.wsPublicUrl, market: 'v5' }, quietLogger([]));
    const frames: Frame[] = [];
    client.on('update', (m: Frame) => void frames.push(m));
    try {
      void Promise.all(client.subscribeV5('orderbook.50.BTCUSDT', 'linear')).catch(() => undefined);
      await waitFor(() => frames.some((f) => f.type === 'snapshot'), 5000, `the snapshot of seed ${seed}`);
    } finally {
      client.closeAll(true);
      client.removeAllListeners();
    }
    const snapshot = frames.find((f) => f.type === 'snapshot')?.data as { b: string[][]; a: string[][] };
    return { rest: { b: rest.result.b, a: rest.result.a }, ws: { b: snapshot.b, a: snapshot.a } };
  }

  it('should produce the same initial BTCUSDT book when two simulators share a seed, and another when the seed differs', async () => {
    const first = await initialBook(7);
    const second = await initialBook(7);
    const other = await initialBook(8);
    expect(first.rest.b.length).toBeGreaterThan(0);
    expect(second.rest).toEqual(first.rest);
    expect(second.ws).toEqual(first.ws);
    expect(other.rest).not.toEqual(first.rest);
    expect(other.ws).not.toEqual(first.ws);
  }, 30_000);
});
