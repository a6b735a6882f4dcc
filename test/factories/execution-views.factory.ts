import type { DomainEvents } from '../../src/infra/events/domain-events';

/**
 * Builders of execution's event payloads with every field, as execution publishes them (gateway channel specs,
 * audit mapping specs). Types come through DomainEvents, as the subscribers see them.
 */
type OrderView = DomainEvents['order.created']['order'];
type PositionView = DomainEvents['position.opened']['position'];
type Fill = DomainEvents['order.filled']['fill'];

export function anOrderView(overrides: Partial<OrderView> = {}): OrderView {
  return {
    id: '0b8f3c2e-6c1a-4a7e-9d6f-1f2e3d4c5b6a',
    clientOrderId: 'sig-7f3a-entry',
    exchangeOrderId: null,
    symbol: 'BTCUSDT',
    side: 'Buy',
    orderType: 'Limit',
    status: 'Pending',
    quantity: '0.002',
    price: '64250.5',
    filledQuantity: '0',
    avgFillPrice: null,
    fee: '0',
    reduceOnly: false,
    positionId: '5d7e9f10-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
    ...overrides,
  };
}

export function aPositionView(overrides: Partial<PositionView> = {}): PositionView {
  return {
    id: '5d7e9f10-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
    symbol: 'BTCUSDT',
    side: 'Buy',
    status: 'Open',
    quantity: '0.002',
    entryPrice: '64250.5',
    exitPrice: null,
    realizedPnl: '0',
    unrealizedPnl: '0.12',
    fees: '0.0257',
    takeProfit: '64443.25',
    stopLoss: '64121.99',
    exitReason: null,
    ...overrides,
  };
}

export function aFill(overrides: Partial<Fill> = {}): Fill {
  return {
    execId: 'e-1',
    price: '64250.5',
    quantity: '0.002',
    fee: '0.0257',
    isMaker: true,
    executedAt: '2026-02-12T16:00:00.000Z',
    ...overrides,
  };
}
