import type { OrderEntity } from './entities/order.entity';
import type { PositionEntity } from './entities/position.entity';
import type { OrderView, PositionView } from './execution.events';

/** Entities stay inside the module: events, DTOs and other modules see these plain views. */
export function toOrderView(order: OrderEntity): OrderView {
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    exchangeOrderId: order.exchangeOrderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.orderType,
    status: order.status,
    quantity: order.quantity,
    price: order.price,
    filledQuantity: order.filledQuantity,
    avgFillPrice: order.avgFillPrice,
    fee: order.fee,
    reduceOnly: order.reduceOnly,
    positionId: order.positionId,
  };
}

export function toPositionView(position: PositionEntity): PositionView {
  return {
    id: position.id,
    symbol: position.symbol,
    side: position.side,
    status: position.status,
    quantity: position.quantity,
    entryPrice: position.entryPrice,
    exitPrice: position.exitPrice,
    realizedPnl: position.realizedPnl,
    unrealizedPnl: position.unrealizedPnl,
    fees: position.fees,
    takeProfit: position.takeProfit,
    stopLoss: position.stopLoss,
    exitReason: position.exitReason,
  };
}
