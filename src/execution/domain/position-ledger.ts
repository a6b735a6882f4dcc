import type { Clock } from '../../common/clock';
import { toPositionView, type ExecutionEventSink } from './execution-events';
import type { ExecutionStore, PositionRecord, PositionRecordChanges } from './execution-store';
import type { Actor, InstrumentLookup } from './kernel-ports';
import { KeyedSerialQueue } from './keyed-serial-queue';
import { livePositionOf } from './live-position-of';
import type { LivePositions } from './live-positions';
import type { PositionStatus } from './order-vocabulary';
import { positionTransition } from './position.fsm';

/**
 * The position side of the kernel: the per-position serial queue every order/position change runs in, position
 * transitions written through the store (and published), and the mirror of committed positions into the hot
 * path's live picture.
 */
export class PositionLedger {
  private readonly queue = new KeyedSerialQueue();

  constructor(
    private readonly store: ExecutionStore,
    /** The hot path's live picture, which this ledger keeps in step with the committed positions. */
    readonly live: LivePositions,
    private readonly instruments: InstrumentLookup,
    private readonly events: ExecutionEventSink,
    private readonly clock: Clock,
  ) {}

  /** Runs work in the position's queue (an order without a position queues on its own id). */
  serialised<T>(order: { readonly positionId: string | null; readonly clientOrderId: string }, work: () => Promise<T>) {
    return this.queue.run(order.positionId ?? order.clientOrderId, work);
  }

  serialisedPosition<T>(positionId: string, work: () => Promise<T>): Promise<T> {
    return this.queue.run(positionId, work);
  }

  /** Resolves when every queued update has been applied (tests, shutdown, the end of a backtest). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  async transitionPosition(
    position: PositionRecord,
    to: PositionStatus,
    how: { cause: string; actor: Actor },
    changes: PositionRecordChanges,
  ): Promise<PositionRecord> {
    const updated = await this.store.updatePosition(
      position.id,
      position.version,
      positionTransition(position, to, { cause: how.cause, atMs: this.clock.nowMs() }, changes),
    );
    this.remember(updated);
    const traceId = updated.traceId ?? undefined;
    if (to === 'Closed') {
      this.events.publish('position.closed', { traceId, actor: how.actor, position: toPositionView(updated) });
    } else {
      this.events.publish('position.updated', {
        traceId,
        actor: how.actor,
        before: toPositionView(position),
        position: toPositionView(updated),
        cause: how.cause,
      });
    }
    return updated;
  }

  /** Mirrors a committed position record into the hot path's live picture. */
  remember(position: Parameters<typeof livePositionOf>[0]): void {
    this.live.upsert(
      position.status === 'Closed'
        ? { id: position.id, symbol: position.symbol, status: 'Closed' }
        : livePositionOf(position, this.instruments.get(position.symbol)?.tickSize),
    );
  }
}
