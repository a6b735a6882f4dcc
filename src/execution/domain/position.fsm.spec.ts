import { StateTransitionRecord } from '../entities/order.entity';
import { POSITION_STATUSES, PositionStatus } from '../entities/position.entity';
import { InvalidHistoryError, InvalidTransitionError } from './execution-domain.errors';
import { POSITION_TRANSITIONS, PositionStateMachine, positionTransition } from './position.fsm';

const T0_MS = 1_764_000_000_000;
const T0_ISO = new Date(T0_MS).toISOString();
const TRACE = 'trace-0002';

/** Written out independently of POSITION_TRANSITIONS so the table itself is under test. */
const ALLOWED = new Set<string>([
  'Opening>Open',
  'Opening>Closed',
  'Open>Closing',
  'Open>Open',
  'Closing>Closed',
  'Closing>Open',
]);

const PAIRS = POSITION_STATUSES.flatMap((from) => POSITION_STATUSES.map((to) => [from, to] as const));
const allowedPairs = PAIRS.filter(([from, to]) => ALLOWED.has(`${from}>${to}`));
const refusedPairs = PAIRS.filter(([from, to]) => !ALLOWED.has(`${from}>${to}`));

const historyEndingIn = (status: PositionStatus): StateTransitionRecord[] => [
  { from: null, to: 'Opening', at: T0_ISO, cause: 'created' },
  ...(status === 'Opening' ? [] : [{ from: 'Opening', to: status, at: T0_ISO, cause: 'setup' }]),
];

describe('POSITION_TRANSITIONS', () => {
  it('should list exactly the allowed moves when compared with the expected table', () => {
    const listed = Object.entries(POSITION_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    expect(new Set(listed)).toEqual(ALLOWED);
    expect(Object.keys(POSITION_TRANSITIONS).sort()).toEqual([...POSITION_STATUSES].sort());
  });

  it('should cover all 16 pairs when allowed and refused are counted together', () => {
    expect(allowedPairs).toHaveLength(6);
    expect(refusedPairs).toHaveLength(10);
  });
});

describe(PositionStateMachine.name, () => {
  it.each(allowedPairs)('should move %s → %s and append one record when the move is allowed', (from, to) => {
    const fsm = PositionStateMachine.restore(from, historyEndingIn(from));
    const before = fsm.history.length;

    expect(fsm.canTransitionTo(to)).toBe(true);
    const record = fsm.transition(to, { cause: 'execution', atMs: T0_MS + 7, traceId: TRACE });

    expect(fsm.status).toBe(to);
    expect(record).toEqual({ from, to, at: new Date(T0_MS + 7).toISOString(), cause: 'execution', traceId: TRACE });
    expect(fsm.history).toHaveLength(before + 1);
  });

  it.each(refusedPairs)('should refuse %s → %s and keep state and history when the move is not allowed', (from, to) => {
    const fsm = PositionStateMachine.restore(from, historyEndingIn(from));
    const historyBefore = [...fsm.history];

    expect(fsm.canTransitionTo(to)).toBe(false);
    expect(() => fsm.transition(to, { cause: 'execution', atMs: T0_MS, traceId: TRACE })).toThrow(
      expect.objectContaining({
        constructor: InvalidTransitionError,
        code: 'INVALID_TRANSITION',
        kind: 'CONFLICT',
        details: { machine: 'position', from, to },
      }),
    );
    expect(fsm.status).toBe(from);
    expect(fsm.history).toEqual(historyBefore);
  });

  it('should have no exits when the position is Closed', () => {
    const fsm = PositionStateMachine.restore('Closed', historyEndingIn('Closed'));

    expect(fsm.isTerminal).toBe(true);
    expect(POSITION_STATUSES.filter((to) => fsm.canTransitionTo(to))).toEqual([]);
  });

  it('should start in Opening with a creation record from null when created', () => {
    const fsm = PositionStateMachine.create({ cause: 'entry order', atMs: T0_MS, traceId: TRACE });

    expect(fsm.status).toBe('Opening');
    expect(fsm.history).toEqual([{ from: null, to: 'Opening', at: T0_ISO, cause: 'entry order', traceId: TRACE }]);
  });

  it('should go back to Open when the exit order is cancelled while Closing', () => {
    const fsm = PositionStateMachine.restore('Closing', historyEndingIn('Closing'));
    fsm.transition('Open', { cause: 'exit order cancelled', atMs: T0_MS });
    fsm.transition('Closing', { cause: 'exit order resent', atMs: T0_MS + 1 });
    fsm.transition('Closed', { cause: 'exit filled', atMs: T0_MS + 2 });

    expect(fsm.status).toBe('Closed');
    expect(fsm.history.slice(-3).map((r) => `${r.from}>${r.to}`)).toEqual([
      'Closing>Open',
      'Open>Closing',
      'Closing>Closed',
    ]);
  });

  it('should refuse to restore when the history ends in another status', () => {
    expect(() => PositionStateMachine.restore('Closed', historyEndingIn('Open'))).toThrow(InvalidHistoryError);
  });
});

describe('positionTransition (a record move as store changes)', () => {
  const open = {
    status: 'Open' as const,
    stateHistory: historyEndingIn('Open'),
    traceId: TRACE,
  };

  it('should return the given changes with the new status and the history with the move appended', () => {
    const changes = positionTransition(
      open,
      'Closing',
      { cause: 'exit: TAKE_PROFIT', atMs: T0_MS + 7 },
      {
        exitReason: 'TAKE_PROFIT',
      },
    );

    expect(changes.status).toBe('Closing');
    expect(changes.exitReason).toBe('TAKE_PROFIT');
    expect(changes.stateHistory).toHaveLength(open.stateHistory.length + 1);
    expect(changes.stateHistory[changes.stateHistory.length - 1]).toEqual({
      from: 'Open',
      to: 'Closing',
      at: new Date(T0_MS + 7).toISOString(),
      cause: 'exit: TAKE_PROFIT',
      traceId: TRACE,
    });
  });

  it('should refuse a move the table does not allow', () => {
    expect(() => positionTransition(open, 'Opening', { cause: 'back', atMs: T0_MS }, {})).toThrow(
      InvalidTransitionError,
    );
  });
});
