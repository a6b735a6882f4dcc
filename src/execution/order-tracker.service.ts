import { Injectable } from '@nestjs/common';
import type { ExchangeExecution, ExchangeOrder, OrderAck } from '../exchange/exchange.types';
import { ExecutionKernel } from './domain/execution-kernel';
import type { PositionRecordChanges } from './domain/execution-store';
import type { Actor } from './domain/kernel-ports';
import type { SyncOutcome } from './domain/order-create-sender';
import type { OrderEntity } from './entities/order.entity';
import type { PositionEntity } from './entities/position.entity';
import type { PositionChanges } from './position.repository';

export type { Actor } from './domain/kernel-ports';
export { sendOutcome, type SyncOutcome } from './domain/order-create-sender';

/**
 * The execution kernel's order/position operations under the names and row types recovery and the e2e tests
 * have used: each method is the kernel part that does the job (OrderCreateSender, ExchangeReports,
 * PositionLedger). The kernel runs on the TypeORM store, so the records it returns are the entity rows.
 */
@Injectable()
export class OrderTracker {
  constructor(private readonly kernel: ExecutionKernel) {}

  isSending(clientOrderId: string): boolean {
    return this.kernel.sender.isSending(clientOrderId);
  }

  send(
    order: OrderEntity,
    ackPoint: 'order-acked' | 'exit-acked',
    hooks: { onSent?: () => void; onAcked?: () => void } = {},
  ): Promise<void> {
    return this.kernel.sender.send(order, ackPoint, hooks);
  }

  onAck(order: OrderEntity, ack: OrderAck): Promise<void> {
    return this.kernel.reports.onAck(order, ack);
  }

  onExchangeOrder(report: ExchangeOrder, actor: Actor = 'exchange'): Promise<void> {
    return this.kernel.reports.onExchangeOrder(report, actor);
  }

  onExecution(execution: ExchangeExecution, actor: Actor = 'exchange'): Promise<boolean> {
    return this.kernel.reports.onExecution(execution, actor);
  }

  syncOrder(order: OrderEntity, actor: Actor): Promise<{ outcome: SyncOutcome; missedFills: number }> {
    return this.kernel.sender.syncOrder(order, actor);
  }

  markNeverSent(order: OrderEntity, reason: string, actor: Actor): Promise<boolean> {
    return this.kernel.reports.markNeverSent(order, reason, actor);
  }

  markVanished(order: OrderEntity, reason: string, actor: Actor): Promise<boolean> {
    return this.kernel.reports.markVanished(order, reason, actor);
  }

  drain(): Promise<void> {
    return this.kernel.drain();
  }

  async transitionPosition(
    position: PositionEntity,
    to: PositionEntity['status'],
    how: { cause: string; actor: Actor },
    changes: PositionChanges,
  ): Promise<PositionEntity> {
    const updated = await this.kernel.ledger.transitionPosition(position, to, how, recordChanges(changes));
    // The TypeORM store returns the updated row itself.
    return updated as PositionEntity;
  }

  remember(position: PositionEntity): void {
    this.kernel.ledger.remember(position);
  }

  serialised<T>(order: Pick<OrderEntity, 'positionId' | 'clientOrderId'>, work: () => Promise<T>): Promise<T> {
    return this.kernel.ledger.serialised(order, work);
  }

  serialisedPosition<T>(positionId: string, work: () => Promise<T>): Promise<T> {
    return this.kernel.ledger.serialisedPosition(positionId, work);
  }
}

/** Row changes (timestamptz as Date) as the kernel's record changes (epoch ms); a null stamp is not written. */
function recordChanges(changes: PositionChanges): PositionRecordChanges {
  const { openedAt, closedAt, ...figures } = changes;
  return {
    ...figures,
    ...(openedAt ? { openedAtMs: openedAt.getTime() } : {}),
    ...(closedAt ? { closedAtMs: closedAt.getTime() } : {}),
  };
}
