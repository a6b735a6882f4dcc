import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { fixed, pnlClass, signed, time } from '../format';
import { useEvents } from '../live';
import { useAsk } from '../shell';
import type { AuditPage, AuditRow, OrderPush, Position, PositionPush } from '../types';
import { Badge, Card, Empty, ErrorNote, usePoll, TableHead } from '../ui';
import { closePosition } from './actions';

export function PositionsTable(props: { compact?: boolean }) {
  const ask = useAsk();
  const positions = usePoll<{ positions: Position[]; totalUnrealizedPnl: string }>('/trading/positions', 2000);
  // A position event refreshes at once instead of waiting for the next poll.
  useEvents<PositionPush>('positions', () => void positions.reload());
  const list = positions.data?.positions ?? [];
  return (
    <>
      <ErrorNote error={positions.error} />
      {list.length === 0 ? (
        <Empty>No open positions.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="positions-table">
            <TableHead
              columns={[
                'Symbol',
                'Side',
                'Status',
                { label: 'Qty', num: true },
                { label: 'Entry', num: true },
                { label: 'Mark', num: true },
                { label: 'TP', num: true },
                { label: 'SL', num: true },
                { label: 'Unrealised', num: true },
                'Opened',
                { label: 'Actions', srOnly: true },
              ]}
            />
            <tbody>
              {list.map((p) => (
                <tr key={p.id} data-position-id={p.id}>
                  <td>
                    <a href={`#/symbol/${p.symbol}`}>{p.symbol}</a>
                  </td>
                  <td class={p.side === 'Buy' ? 'pos' : 'neg'}>{p.side === 'Buy' ? 'Long' : 'Short'}</td>
                  <td>
                    <Badge tone={p.status === 'Open' ? 'ok' : 'warn'}>{p.status}</Badge>
                  </td>
                  <td class="num mono">{p.quantity}</td>
                  <td class="num mono">{p.entryPrice ?? '—'}</td>
                  <td class="num mono">{p.markPrice ?? '—'}</td>
                  <td class="num mono">{p.takeProfit ?? '—'}</td>
                  <td class="num mono">{p.stopLoss ?? '—'}</td>
                  <td class={`num mono ${pnlClass(p.unrealizedPnl)}`}>{signed(p.unrealizedPnl, 4)}</td>
                  <td class="mono">{time(p.openedAt ?? null)}</td>
                  <td>
                    <button
                      type="button"
                      class="btn btn-sm btn-danger"
                      disabled={p.status === 'Closing'}
                      aria-label={`Close ${p.symbol} ${p.side === 'Buy' ? 'long' : 'short'} position`}
                      onClick={() => ask(closePosition(p, () => void positions.reload()))}
                    >
                      Close
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
            {!props.compact && (
              <tfoot>
                <tr>
                  <td colSpan={8}>Total unrealised</td>
                  <td class={`num mono ${pnlClass(positions.data?.totalUnrealizedPnl)}`}>
                    {signed(positions.data?.totalUnrealizedPnl, 4)}
                  </td>
                  <td colSpan={2} />
                </tr>
              </tfoot>
            )}
          </table>
        </div>
      )}
    </>
  );
}

interface OrderStep {
  readonly at: number;
  readonly label: string;
  readonly detail: string;
  readonly error?: string | null;
  readonly traceId: string | null;
}

interface OrderRow {
  readonly id: string;
  symbol: string;
  side: string;
  type: string;
  status: string;
  quantity: string;
  filled: string;
  avgPrice: string | null;
  reduceOnly: boolean;
  updatedAt: number;
  history: OrderStep[];
}

function applyView(row: OrderRow, view: Record<string, unknown>): void {
  row.symbol = String(view.symbol ?? row.symbol);
  row.side = String(view.side ?? row.side);
  row.type = String(view.orderType ?? row.type);
  row.status = String(view.status ?? row.status);
  row.quantity = String(view.quantity ?? row.quantity);
  row.filled = String(view.filledQuantity ?? row.filled);
  row.avgPrice = (view.avgFillPrice as string | null | undefined) ?? row.avgPrice;
  row.reduceOnly = Boolean(view.reduceOnly ?? row.reduceOnly);
}

function blank(id: string): OrderRow {
  return {
    id,
    symbol: '',
    side: '',
    type: '',
    status: '',
    quantity: '',
    filled: '0',
    avgPrice: null,
    reduceOnly: false,
    updatedAt: 0,
    history: [],
  };
}

function fromAudit(rows: AuditRow[]): Map<string, OrderRow> {
  const orders = new Map<string, OrderRow>();
  // Oldest first, so the last view applied is the newest state.
  for (const r of [...rows].reverse()) {
    if (!r.entityId) continue;
    const row = orders.get(r.entityId) ?? blank(r.entityId);
    const view = (r.newValue ?? {}) as Record<string, unknown>;
    applyView(row, view);
    const at = Date.parse(r.timestamp);
    row.updatedAt = at;
    const from = (r.oldValue as { status?: string } | null)?.status;
    row.history.push({
      at,
      label: r.action.replace('ORDER_', '').toLowerCase().replace('_', ' '),
      detail: [from ? `${from} → ${String(view.status)}` : String(view.status ?? ''), r.reason ?? '']
        .filter(Boolean)
        .join(' · '),
      error: r.errorMessage,
      traceId: r.traceId,
    });
    orders.set(r.entityId, row);
  }
  return orders;
}

export function OrdersCard() {
  const [orders, setOrders] = useState<Map<string, OrderRow>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    api<AuditPage>('/audit?entityType=order&limit=300')
      .then((page) => setOrders((live) => new Map([...fromAudit(page.items), ...live])))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEvents<OrderPush>('orders', (push) =>
    setOrders((current) => {
      const next = new Map(current);
      const existing = next.get(push.order.id);
      const row: OrderRow = existing ? { ...existing, history: [...existing.history] } : blank(push.order.id);
      applyView(row, push.order as unknown as Record<string, unknown>);
      row.updatedAt = Date.parse(push.at);
      row.history.push({
        at: Date.parse(push.at),
        label: push.event,
        detail: [push.from ? `${push.from} → ${push.order.status}` : push.order.status, push.cause ?? push.reason ?? '']
          .filter(Boolean)
          .join(' · '),
        error: push.error ?? null,
        traceId: push.traceId,
      });
      next.set(push.order.id, row);
      return next;
    }),
  );
  const list = [...orders.values()].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, 100);
  return (
    <Card title="Orders">
      <ErrorNote error={error} />
      {list.length === 0 ? (
        <Empty>No orders yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="orders-table">
            <TableHead
              columns={[
                'Updated',
                'Symbol',
                'Side',
                'Type',
                'Status',
                { label: 'Qty', num: true },
                { label: 'Filled', num: true },
                { label: 'Avg price', num: true },
                'History',
              ]}
            />
            <tbody>
              {list.map((o) => (
                <Fragment key={o.id}>
                  <tr>
                    <td class="mono">{time(o.updatedAt)}</td>
                    <td>{o.symbol}</td>
                    <td class={o.side === 'Buy' ? 'pos' : 'neg'}>
                      {o.side}
                      {o.reduceOnly && <span class="muted small"> reduce</span>}
                    </td>
                    <td>{o.type}</td>
                    <td>
                      <Badge
                        tone={
                          o.status === 'Filled'
                            ? 'ok'
                            : o.status === 'Rejected' || o.status === 'Failed'
                              ? 'bad'
                              : o.status === 'Cancelled'
                                ? 'muted'
                                : 'info'
                        }
                      >
                        {o.status}
                      </Badge>
                    </td>
                    <td class="num mono">{o.quantity}</td>
                    <td class="num mono">{o.filled}</td>
                    <td class="num mono">{o.avgPrice ? fixed(o.avgPrice, 4) : '—'}</td>
                    <td>
                      <button
                        type="button"
                        class="btn btn-sm btn-ghost"
                        aria-expanded={open === o.id}
                        onClick={() => setOpen(open === o.id ? null : o.id)}
                      >
                        {o.history.length} steps
                      </button>
                    </td>
                  </tr>
                  {open === o.id && (
                    <tr class="history-row">
                      <td colSpan={9}>
                        <ol class="timeline">
                          {o.history.map((h, i) => (
                            <li key={i}>
                              <span class="mono">{time(h.at)}</span> <strong>{h.label}</strong> {h.detail}
                              {h.error && <span class="neg"> — {h.error}</span>}
                              {h.traceId && (
                                <a class="mono small" href={`#/audit/${h.traceId}`}>
                                  {' '}
                                  trace …{h.traceId.slice(-10)}
                                </a>
                              )}
                            </li>
                          ))}
                        </ol>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function PositionsScreen() {
  return (
    <div class="screen">
      <h1 class="screen-title">Positions &amp; orders</h1>
      <Card title="Open positions">
        <PositionsTable />
      </Card>
      <OrdersCard />
    </div>
  );
}
