import { RestClientV5 } from 'bybit-api';
import { Client } from 'pg';
import { orderStatusFromExchange } from '../../src/execution/domain/exchange-status';

/**
 * Compares what the bot's database says with what the simulated exchange says, through the exchange's own
 * API (as an operator would check it): every exchange order has exactly one row, states and fills agree, no
 * orderLinkId was placed twice, every fill is recorded once, and live positions equal the exchange's.
 * Returns the list of disagreements (empty = consistent).
 */
export interface VenueAccess {
  readonly restUrl: string;
  readonly key: string;
  readonly secret: string;
  readonly symbols: readonly string[];
}

interface SimOrder {
  orderLinkId: string;
  orderId: string;
  orderStatus: string;
  cumExecQty: string;
  symbol: string;
}

interface SimExecution {
  execId: string;
  orderLinkId: string;
  symbol: string;
}

export interface ConsistencyReport {
  readonly problems: string[];
  readonly exchangeOrders: number;
  readonly databaseOrders: number;
  readonly executions: number;
  readonly livePositions: number;
}

export async function checkConsistency(databaseUrl: string, venue: VenueAccess): Promise<ConsistencyReport> {
  const sdk = new RestClientV5({ key: venue.key, secret: venue.secret, baseUrl: venue.restUrl });
  const problems: string[] = [];
  const simOrders: SimOrder[] = [];
  const simExecutions: SimExecution[] = [];
  const simPositions = new Map<string, { side: string; size: string }>();
  for (const symbol of venue.symbols) {
    simOrders.push(
      ...(await pages<SimOrder>((cursor) => sdk.getHistoricOrders({ category: 'linear', symbol, limit: 50, cursor }))),
    );
    simExecutions.push(
      ...(await pages<SimExecution>((cursor) =>
        sdk.getExecutionList({ category: 'linear', symbol, limit: 100, cursor }),
      )),
    );
    const position = ((await sdk.getPositionInfo({ category: 'linear', symbol })).result.list ?? [])[0] as
      { side: string; size: string } | undefined;
    simPositions.set(symbol, { side: position?.side ?? '', size: position?.size ?? '0' });
  }

  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const orders = (
      await db.query(`SELECT client_order_id, status, filled_quantity::text AS filled, exchange_order_id FROM orders`)
    ).rows as Array<{
      client_order_id: string;
      status: string;
      filled: string;
      exchange_order_id: string | null;
    }>;
    const trades = (await db.query(`SELECT exec_id FROM trades`)).rows as Array<{ exec_id: string }>;
    const positions = (
      await db.query(`SELECT symbol, side, status, quantity::text AS quantity FROM positions WHERE status <> 'Closed'`)
    ).rows as Array<{
      symbol: string;
      side: string;
      status: string;
      quantity: string;
    }>;

    const seen = new Map<string, number>();
    for (const order of simOrders) seen.set(order.orderLinkId, (seen.get(order.orderLinkId) ?? 0) + 1);
    for (const [link, count] of seen)
      if (count > 1) problems.push(`duplicate exchange order for orderLinkId ${link} (${count}×)`);

    const rowsByLink = new Map<string, typeof orders>();
    for (const row of orders)
      rowsByLink.set(row.client_order_id, [...(rowsByLink.get(row.client_order_id) ?? []), row]);
    const simByLink = new Map(simOrders.map((o) => [o.orderLinkId, o]));

    for (const order of simOrders) {
      const rows = rowsByLink.get(order.orderLinkId) ?? [];
      if (rows.length !== 1) {
        problems.push(`exchange order ${order.orderLinkId} has ${rows.length} database rows`);
        continue;
      }
      const expected = orderStatusFromExchange(order.orderStatus, order.cumExecQty);
      if (rows[0].status !== expected)
        problems.push(
          `order ${order.orderLinkId}: database ${rows[0].status}, exchange ${order.orderStatus} (→ ${expected})`,
        );
      if (Number(rows[0].filled) !== Number(order.cumExecQty))
        problems.push(`order ${order.orderLinkId}: filled ${rows[0].filled} here, ${order.cumExecQty} on the exchange`);
    }
    for (const row of orders) {
      const onExchange = simByLink.has(row.client_order_id);
      if (row.status === 'Failed' && onExchange)
        problems.push(`order ${row.client_order_id} is Failed here but exists on the exchange`);
      if (row.status !== 'Failed' && !onExchange)
        problems.push(`order ${row.client_order_id} (${row.status}) is not on the exchange`);
    }

    const recorded = new Set(trades.map((t) => t.exec_id));
    const ours = simExecutions.filter((e) => rowsByLink.has(e.orderLinkId));
    for (const execution of ours)
      if (!recorded.has(execution.execId))
        problems.push(`execution ${execution.execId} of ${execution.orderLinkId} not recorded`);
    if (trades.length !== ours.length)
      problems.push(`${trades.length} trades recorded, ${ours.length} executions on the exchange`);

    for (const symbol of venue.symbols) {
      const held = simPositions.get(symbol)!;
      const mine = positions.filter((p) => p.symbol === symbol);
      const size = mine.reduce((sum, p) => sum + Number(p.quantity), 0);
      if (Number(held.size) === 0) {
        if (size !== 0 || mine.length > 0)
          problems.push(
            `${symbol}: flat on the exchange, database has ${mine.map((p) => `${p.status} ${p.side} ${p.quantity}`).join(', ')}`,
          );
        continue;
      }
      if (mine.length !== 1 || mine[0].side !== held.side || Math.abs(size - Number(held.size)) > 1e-12) {
        problems.push(
          `${symbol}: exchange ${held.side} ${held.size}, database ${mine.map((p) => `${p.status} ${p.side} ${p.quantity}`).join(', ') || 'nothing'}`,
        );
      }
    }
    return {
      problems,
      exchangeOrders: simOrders.length,
      databaseOrders: orders.length,
      executions: ours.length,
      livePositions: positions.length,
    };
  } finally {
    await db.end();
  }
}

async function pages<T>(
  fetchPage: (
    cursor: string | undefined,
  ) => Promise<{ retCode: number; retMsg: string; result: { list?: unknown[]; nextPageCursor?: string } }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await fetchPage(cursor);
    if (answer.retCode !== 0) throw new Error(`exchange answered ${answer.retCode} ${answer.retMsg}`);
    out.push(...((answer.result.list ?? []) as T[]));
    cursor = answer.result.nextPageCursor || undefined;
  } while (cursor);
  return out;
}
