import { Client } from 'pg';
import { loginToken, startTestApp, TestApp } from '../support/app';

/**
 * Trade history over HTTP: GET /trading/trades (closed positions with PnL, filters, paging, totals over all pages),
 * GET /trading/positions?status=, GET /trading/positions/{id}/fills, and unknown query parameters refused by name.
 * The positions are written straight into the database so every figure is known in advance.
 */
describe('trade history (e2e)', () => {
  let ctx: TestApp;
  let token: string;
  const ids: Record<string, string> = {};

  const get = async (path: string) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    ctx = await startTestApp({ IMBALANCE_BUY_THRESHOLD: '1', IMBALANCE_SELL_THRESHOLD: '0' });
    token = await loginToken(ctx.baseUrl);
    const db = new Client({ connectionString: ctx.database.url });
    await db.connect();
    try {
      const insert = async (
        name: string,
        row: { symbol: string; side: string; status: string; qty: string; exited: string; entry: string | null },
        exit: string | null,
        net: string,
        fees: string,
        reason: string | null,
        opened: string | null,
        closed: string | null,
      ) => {
        const result = await db.query<{ id: string }>(
          `INSERT INTO positions (symbol, side, status, quantity, exited_quantity, entry_price, exit_price, realized_pnl,
                                  fees, exit_reason, opened_at, closed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
          [row.symbol, row.side, row.status, row.qty, row.exited, row.entry, exit, net, fees, reason, opened, closed],
        );
        ids[name] = result.rows[0].id;
      };
      const closedRow = (symbol: string, side: string, qty: string, entry: string) => ({
        symbol,
        side,
        status: 'Closed',
        qty: '0',
        exited: qty,
        entry,
      });
      // win: long 0.010 BTC 60000 → 60100, gross 1.0, fees 0.066 → net 0.934
      await insert(
        'btcWin',
        closedRow('BTCUSDT', 'Buy', '0.010', '60000.00'),
        '60100.00',
        '0.934',
        '0.066',
        'TAKE_PROFIT',
        '2025-01-01T10:00:00.000Z',
        '2025-01-01T10:00:30.000Z',
      );
      // loss: short 0.5 ETH 3000 → 3010, gross −5, fees 0.9 → net −5.9
      await insert(
        'ethLoss',
        closedRow('ETHUSDT', 'Sell', '0.50', '3000'),
        '3010',
        '-5.90000000',
        '0.9',
        'STOP_LOSS',
        '2025-01-02T10:00:00.000Z',
        '2025-01-02T10:01:00.000Z',
      );
      // loss: long 0.020 BTC, net −0.5
      await insert(
        'btcLoss',
        closedRow('BTCUSDT', 'Buy', '0.020', '61000'),
        '60980',
        '-0.5',
        '0.1',
        'STOP_LOSS',
        '2025-01-03T09:00:00.000Z',
        '2025-01-03T09:02:00.500Z',
      );
      // never filled: not a trade
      await insert(
        'unfilled',
        { symbol: 'BTCUSDT', side: 'Buy', status: 'Closed', qty: '0.010', exited: '0', entry: null },
        null,
        '0',
        '0',
        'ENTRY_NOT_FILLED',
        null,
        '2025-01-04T00:00:00.000Z',
      );
      // still open: not a trade either
      await insert(
        'open',
        { symbol: 'BTCUSDT', side: 'Buy', status: 'Open', qty: '0.010', exited: '0', entry: '62000' },
        null,
        '0',
        '0.03',
        null,
        '2025-01-05T00:00:00.000Z',
        null,
      );
      const order = await db.query<{ id: string }>(
        `INSERT INTO orders (client_order_id, symbol, side, order_type, status, quantity, position_id)
         VALUES ('t-entry-1', 'BTCUSDT', 'Buy', 'Market', 'Filled', '0.010', $1) RETURNING id`,
        [ids.btcWin],
      );
      for (const [execId, side, price, at] of [
        ['exec-2', 'Sell', '60100.00', '2025-01-01T10:00:30.000Z'],
        ['exec-1', 'Buy', '60000.00', '2025-01-01T10:00:00.000Z'],
      ])
        await db.query(
          `INSERT INTO trades (exec_id, order_id, position_id, symbol, side, price, quantity, fee, is_maker, executed_at)
           VALUES ($1, $2, $3, 'BTCUSDT', $4, $5, '0.010', '0.033', false, $6)`,
          [execId, order.rows[0].id, ids.btcWin, side, price, at],
        );
    } finally {
      await db.end();
    }
  }, 60_000);

  afterAll(() => ctx?.close());

  it('should list closed positions with PnL newest first and totals over all of them', async () => {
    const { status, body } = await get('/trading/trades');
    expect(status).toBe(200);
    expect(body.total).toBe(3);
    expect(body.totals).toEqual({ count: 3, wins: 1, losses: 2, realizedPnl: '-4.4', fees: '1.066', netPnl: '-5.466' });
    const items = body.items as Record<string, unknown>[];
    expect(items.map((t) => t.positionId)).toEqual([ids.btcLoss, ids.ethLoss, ids.btcWin]);
    expect(items[2]).toEqual({
      positionId: ids.btcWin,
      symbol: 'BTCUSDT',
      side: 'Buy',
      qty: '0.01',
      entryPrice: '60000',
      exitPrice: '60100',
      openedAt: '2025-01-01T10:00:00.000Z',
      closedAt: '2025-01-01T10:00:30.000Z',
      holdingMs: 30_000,
      exitReason: 'TAKE_PROFIT',
      realizedPnl: '1',
      fees: '0.066',
      netPnl: '0.934',
    });
    expect(items[1]).toMatchObject({ side: 'Sell', qty: '0.5', realizedPnl: '-5', netPnl: '-5.9', holdingMs: 60_000 });
  });

  it('should filter by symbol, side, exit reason and closing time, and page', async () => {
    const ofIds = (body: Record<string, unknown>) => (body.items as { positionId: string }[]).map((t) => t.positionId);
    expect(ofIds((await get('/trading/trades?symbol=BTCUSDT')).body)).toEqual([ids.btcLoss, ids.btcWin]);
    expect(ofIds((await get('/trading/trades?side=Sell')).body)).toEqual([ids.ethLoss]);
    expect(ofIds((await get('/trading/trades?exitReason=STOP_LOSS&symbol=BTCUSDT')).body)).toEqual([ids.btcLoss]);
    const window = await get('/trading/trades?from=2025-01-01T10:00:30Z&to=2025-01-03T09:02:00.500Z');
    expect(ofIds(window.body)).toEqual([ids.ethLoss, ids.btcWin]);
    expect(window.body.totals).toMatchObject({ count: 2, wins: 1, losses: 1, netPnl: '-4.966' });
    const page = await get('/trading/trades?limit=1&offset=1');
    expect(ofIds(page.body)).toEqual([ids.ethLoss]);
    expect(page.body.total).toBe(3);
    expect(page.body.totals).toMatchObject({ count: 3 });
  });

  it('should refuse bad filters and unknown query parameters with a 400 naming them', async () => {
    const unknown = await get('/trading/trades?symbl=BTCUSDT');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('symbl');
    for (const query of ['side=Long', 'limit=501', 'limit=0', 'offset=-1', 'from=yesterday', 'exitReason=x%00']) {
      const response = await get(`/trading/trades?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(JSON.stringify(response.body)).toContain(query.split('=')[0]);
    }
    const positions = await get('/trading/positions?state=Closed');
    expect(positions.status).toBe(400);
    expect(JSON.stringify(positions.body)).toContain('state');
  });

  it('should filter /trading/positions by status', async () => {
    const live = await get('/trading/positions');
    expect((live.body.positions as { id: string }[]).map((p) => p.id)).toEqual([ids.open]);
    const closed = await get('/trading/positions?status=Closed');
    expect(closed.status).toBe(200);
    const rows = closed.body.positions as { id: string; status: string; closedAt: string }[];
    expect(rows.map((p) => p.id)).toEqual([ids.unfilled, ids.btcLoss, ids.ethLoss, ids.btcWin]);
    expect(rows.every((p) => p.status === 'Closed' && p.closedAt !== null)).toBe(true);
    expect((await get('/trading/positions?status=Opening')).body.positions).toEqual([]);
    expect((await get('/trading/positions?status=Gone')).status).toBe(400);
  });

  it('should list the fills of a position oldest first, and 404 for an unknown one', async () => {
    const { status, body } = await get(`/trading/positions/${ids.btcWin}/fills`);
    expect(status).toBe(200);
    expect(body).toEqual({
      positionId: ids.btcWin,
      items: [
        expect.objectContaining({ execId: 'exec-1', side: 'Buy', price: '60000', qty: '0.01', fee: '0.033' }),
        expect.objectContaining({
          execId: 'exec-2',
          side: 'Sell',
          price: '60100',
          executedAt: '2025-01-01T10:00:30.000Z',
        }),
      ],
    });
    expect((await get('/trading/positions/00000000-0000-4000-8000-000000000000/fills')).status).toBe(404);
  });
});
