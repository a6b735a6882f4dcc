import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExchangeRest } from '../exchange/exchange.port';
import type { ExchangeExecution, ExchangeOrder, ExchangePosition, Page } from '../exchange/exchange.types';
import { ExecutionRecoveryFacade } from '../execution/recovery-facade';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { executionsSinceMs, inExecutionOrder } from './domain/order-matching';

/**
 * Gathers what reconciliation compares: the exchange's reports (orders by orderLinkId, open orders, executions,
 * positions; every page) and the database's side through execution's recovery facade. Reads only.
 */
@Injectable()
export class ReconciliationInputs {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rest: ExchangeRest,
    private readonly execution: ExecutionRecoveryFacade,
    private readonly clock: Clock,
  ) {}

  /** The exchange's report of each order, by orderLinkId; absent when the exchange does not know it. */
  async reportsOf(
    orders: readonly { readonly clientOrderId: string; readonly symbol: string }[],
  ): Promise<Map<string, ExchangeOrder>> {
    const reports = new Map<string, ExchangeOrder>();
    for (const order of orders) {
      const report = await this.lookUp(order.clientOrderId, order.symbol);
      if (report) reports.set(order.clientOrderId, report);
    }
    return reports;
  }

  /** Every execution of one order, oldest first. */
  async executionsOf(order: { readonly clientOrderId: string; readonly symbol: string }): Promise<ExchangeExecution[]> {
    return inExecutionOrder(
      await allPages((cursor) =>
        this.rest.getExecutions({ symbol: order.symbol, orderLinkId: order.clientOrderId, limit: 100, cursor }),
      ),
    );
  }

  /** The symbol's executions since shortly before the newest one recorded (a day back before the first), oldest first. */
  async recentExecutions(symbol: string): Promise<ExchangeExecution[]> {
    const since = executionsSinceMs(await this.execution.lastExecutionAtMs(symbol), this.clock.nowMs());
    return inExecutionOrder(
      await allPages((cursor) => this.rest.getExecutions({ symbol, startTime: since, limit: 100, cursor })),
    );
  }

  /** The account's open orders, every symbol. */
  exchangeOpenOrders(): Promise<ExchangeOrder[]> {
    return allPages((cursor) => this.rest.getOpenOrders({ limit: 50, cursor }));
  }

  /** Which of these orderLinkIds have a database row (any status). */
  async knownClientOrderIds(reports: readonly { readonly orderLinkId: string }[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const { orderLinkId } of reports) {
      if (await this.execution.orderByClientOrderId(orderLinkId)) known.add(orderLinkId);
    }
    return known;
  }

  exchangePositions(): Promise<ExchangePosition[]> {
    return this.rest.getPositions();
  }

  /**
   * The lowest leverage set on our symbols, asked per symbol: Bybit answers a flat position too when asked by
   * symbol, while the list by settle coin holds open positions only, so before the first position this is the one
   * way the entry margin check learns the account's real leverage. A symbol that cannot be read is left out.
   */
  async accountLeverage(): Promise<number | undefined> {
    const answers = await Promise.allSettled(this.symbols.map((symbol) => this.rest.getPositions(symbol)));
    let lowest: number | undefined;
    answers.forEach((answer, i) => {
      if (answer.status !== 'fulfilled') return;
      const held = answer.value.find((p) => p.symbol === this.symbols[i]);
      const leverage = held ? Number(held.leverage) : Number.NaN;
      if (Number.isFinite(leverage) && leverage >= 1)
        lowest = lowest === undefined ? leverage : Math.min(lowest, leverage);
    });
    return lowest;
  }

  get symbols(): readonly string[] {
    return this.config.trading.pairs;
  }

  /** Open orders first (a working order), then the history (a finished one). */
  private async lookUp(clientOrderId: string, symbol: string): Promise<ExchangeOrder | undefined> {
    const open = await this.rest.getOpenOrders({ symbol, orderLinkId: clientOrderId });
    const found = open.items.find((o) => o.orderLinkId === clientOrderId);
    if (found) return found;
    const history = await this.rest.getOrderHistory({ symbol, orderLinkId: clientOrderId });
    return history.items.find((o) => o.orderLinkId === clientOrderId);
  }
}

async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
