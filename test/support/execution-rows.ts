import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { OrderStateMachine } from '../../src/execution/domain/order.fsm';
import { PositionStateMachine } from '../../src/execution/domain/position.fsm';
import { OrderRepository } from '../../src/execution/order.repository';

/** A write-ahead entry as EntryExecutor leaves it just before the REST create: Opening position + Pending order. */
export function pendingEntry(
  app: NestFastifyApplication,
  symbol: string,
  side: 'Buy' | 'Sell',
  qty: string,
  link: string,
): ReturnType<OrderRepository['insertEntry']> {
  const atMs = Date.now();
  return app.get(OrderRepository).insertEntry(
    {
      symbol,
      side,
      quantity: '0',
      traceId: link,
      stateHistory: PositionStateMachine.create({ cause: 'test', atMs }).history,
    },
    {
      clientOrderId: link,
      symbol,
      side,
      orderType: 'Market',
      timeInForce: 'IOC',
      quantity: qty,
      traceId: link,
      stateHistory: OrderStateMachine.create({ cause: 'test', atMs }).history,
    },
  );
}

/** One query on its own connection (the test's view of the database, outside the app's pool). */
export async function queryRows<T>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
