import type { OrderFillRecord, PositionFillRecord } from '../../src/execution/domain/fill-ledger';
import type { StateTransitionRecord } from '../../src/execution/domain/order-vocabulary';

/**
 * Builders of the execution kernel's order and position records: a plain entry order / an Opening position with
 * nothing filled; tests override only what they are about.
 */

const T0_ISO = '2025-11-24T16:00:00.000Z';

export function anOrder(overrides: Partial<OrderFillRecord> = {}): OrderFillRecord {
  return {
    side: 'Buy',
    quantity: '0.003',
    filledQuantity: '0',
    avgFillPrice: null,
    fee: '0',
    reduceOnly: false,
    ...overrides,
  };
}

export function aPosition(overrides: Partial<PositionFillRecord> = {}): PositionFillRecord {
  const status = overrides.status ?? 'Opening';
  const history: StateTransitionRecord[] = [
    { from: null, to: 'Opening', at: T0_ISO, cause: 'entry written ahead' },
    ...(status === 'Opening' ? [] : [{ from: 'Opening' as const, to: status, at: T0_ISO, cause: 'setup' }]),
  ];
  return {
    side: 'Buy',
    status,
    stateHistory: history,
    quantity: '0',
    entryPrice: null,
    exitPrice: null,
    exitedQuantity: '0',
    realizedPnl: '0',
    fees: '0',
    exitReason: null,
    traceId: 'trace-0001',
    ...overrides,
  };
}
