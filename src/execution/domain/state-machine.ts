import { isoUtc } from '../../common/iso-time';
import type { StateTransitionRecord } from './order-vocabulary';
import { InvalidHistoryError, InvalidTransitionError, StateMachineName } from './execution-domain.errors';

/** For each state, the states it may move to. Absent from the list = refused. Terminal states map to []. */
export type TransitionTable<S extends string> = { readonly [From in S]: readonly S[] };

/** Why and when a transition happens. Time and trace id come from the caller: the domain never reads a clock. */
export interface TransitionCause {
  readonly cause: string;
  /** Epoch milliseconds (UTC) of the event that caused the transition. */
  readonly atMs: number;
  readonly traceId?: string;
}

/** Builds one `state_history` record, exactly the persisted StateTransitionRecord shape (`at` ISO-8601 UTC). */
export function transitionRecord(
  from: string | null,
  to: string,
  { cause, atMs, traceId }: TransitionCause,
): StateTransitionRecord {
  const at = isoUtc(atMs); // throws RangeError on a non-integer atMs: a caller bug, not a domain case
  return traceId === undefined ? { from, to, at, cause } : { from, to, at, cause, traceId };
}

/**
 * A table-driven state machine (NautilusTrader style): the table is the only source of truth,
 * transition() either moves and appends one record, or throws and changes nothing.
 */
export class StateMachine<S extends string> {
  private current: S;
  private readonly records: StateTransitionRecord[];

  protected constructor(
    private readonly machine: StateMachineName,
    private readonly table: TransitionTable<S>,
    status: S,
    history: readonly StateTransitionRecord[],
  ) {
    if (!Object.prototype.hasOwnProperty.call(table, status)) {
      throw new InvalidHistoryError(machine, String(status), 'unknown status');
    }
    const last = history.length > 0 ? history[history.length - 1] : undefined;
    if (last !== undefined && last.to !== status) {
      throw new InvalidHistoryError(machine, status, `the history ends in ${last.to}`);
    }
    this.current = status;
    this.records = [...history];
  }

  get status(): S {
    return this.current;
  }

  /** Every record so far, oldest first; persist it as `state_history`. */
  get history(): readonly StateTransitionRecord[] {
    return this.records;
  }

  get isTerminal(): boolean {
    return this.table[this.current].length === 0;
  }

  canTransitionTo(to: S): boolean {
    return this.table[this.current].includes(to);
  }

  /** Moves to `to` and returns the appended record; throws InvalidTransitionError (state and history unchanged) otherwise. */
  transition(to: S, cause: TransitionCause): StateTransitionRecord {
    if (!this.canTransitionTo(to)) {
      throw new InvalidTransitionError(this.machine, this.current, to);
    }
    const record = transitionRecord(this.current, to, cause);
    this.records.push(record);
    this.current = to;
    return record;
  }
}
