import type { PositionStatus, StateTransitionRecord } from './order-vocabulary';
import { StateMachine, TransitionCause, TransitionTable, transitionRecord } from './state-machine';

/**
 * Allowed position moves. Everything not listed is refused.
 *
 * - Opening (entry order sent, nothing filled yet):
 *   - Open: the entry order (partly) filled.
 *   - Closed: the entry order never filled (cancelled, rejected or failed): the position ends empty.
 * - Open:
 *   - Closing: an exit order was sent.
 *   - Open: the size changed (another entry fill, a partial reduce) without starting to close.
 * - Closing (exit order working):
 *   - Closed: the exit filled completely.
 *   - Open: the exit order was cancelled/rejected with size left: back to Open.
 * - Closed: terminal, no exits (a new trade is a new position).
 *
 * Not allowed: Open → Closed directly. A close the exchange does on its own (TP/SL, liquidation) is recorded
 * as Open → Closing → Closed, so the history always names the exit.
 */
export const POSITION_TRANSITIONS = {
  Opening: ['Open', 'Closed'],
  Open: ['Closing', 'Open'],
  Closing: ['Closed', 'Open'],
  Closed: [],
} as const satisfies TransitionTable<PositionStatus>;

export const INITIAL_POSITION_STATUS = 'Opening' satisfies PositionStatus;

export class PositionStateMachine extends StateMachine<PositionStatus> {
  private constructor(status: PositionStatus, history: readonly StateTransitionRecord[]) {
    super('position', POSITION_TRANSITIONS, status, history);
  }

  /** A new position in Opening, its history starting with the creation record (from null). */
  static create(cause: TransitionCause): PositionStateMachine {
    return new PositionStateMachine(INITIAL_POSITION_STATUS, [transitionRecord(null, INITIAL_POSITION_STATUS, cause)]);
  }

  /** Rebuilds the machine from a persisted row; throws InvalidHistoryError if the history ends elsewhere. */
  static restore(status: PositionStatus, history: readonly StateTransitionRecord[] = []): PositionStateMachine {
    return new PositionStateMachine(status, history);
  }
}

/**
 * The store changes of moving a position record to `to`: the extra `changes`, the new status and the history with the
 * validated move appended (throws InvalidTransitionError for a move the table refuses). Pure: the caller writes
 * them with the record's version.
 */
export function positionTransition<C extends object>(
  position: {
    readonly status: PositionStatus;
    readonly stateHistory: readonly StateTransitionRecord[];
    readonly traceId: string | null;
  },
  to: PositionStatus,
  how: { readonly cause: string; readonly atMs: number },
  changes: C,
): C & { status: PositionStatus; stateHistory: StateTransitionRecord[] } {
  const machine = PositionStateMachine.restore(position.status, position.stateHistory);
  machine.transition(to, { cause: how.cause, atMs: how.atMs, traceId: position.traceId ?? undefined });
  return { ...changes, status: to, stateHistory: [...machine.history] };
}
