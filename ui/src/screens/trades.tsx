import { useState } from 'preact/hooks';
import { EXIT_REASONS } from '../../../src/execution/domain/exit-rules';
import { dateTime, duration, exact, pnlClass } from '../format';
import { useBot } from '../shell';
import type { TradesPage } from '../types';
import { Card, Empty, ErrorNote, Pager, Stat, usePoll, TableHead } from '../ui';

const PAGE = 50;

/** Closed positions from GET /trading/trades, filtered and paged on the server, with the totals of the filter. */
export function TradesScreen() {
  const bot = useBot();
  const [symbol, setSymbol] = useState('');
  const [side, setSide] = useState('');
  const [exitReason, setExitReason] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [offset, setOffset] = useState(0);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (symbol) query.set('symbol', symbol);
  if (side) query.set('side', side);
  if (exitReason) query.set('exitReason', exitReason);
  if (from) query.set('from', new Date(from).toISOString());
  if (to) query.set('to', new Date(to).toISOString());
  const trades = usePoll<TradesPage>(`/trading/trades?${query.toString()}`, 10_000);
  const page = trades.data;
  const filter = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLInputElement | HTMLSelectElement).value);
    setOffset(0);
  };
  const t = page?.totals;
  return (
    <div class="screen">
      <h1 class="screen-title">Trade history</h1>
      <form class="filters" aria-label="Trade filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Symbol
          <select value={symbol} onChange={filter(setSymbol)}>
            <option value="">all</option>
            {(bot?.symbols ?? []).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Side
          <select value={side} onChange={filter(setSide)}>
            <option value="">all</option>
            <option value="Buy">Long (Buy)</option>
            <option value="Sell">Short (Sell)</option>
          </select>
        </label>
        <label>
          Exit reason
          <select value={exitReason} onChange={filter(setExitReason)}>
            <option value="">all</option>
            {EXIT_REASONS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Closed from
          <input type="datetime-local" value={from} onChange={filter(setFrom)} />
        </label>
        <label>
          to
          <input type="datetime-local" value={to} onChange={filter(setTo)} />
        </label>
      </form>
      <div class="stats-row" role="region" aria-label="Trade totals">
        <Stat label="Trades" value={t ? t.count : '—'} />
        <Stat label="Wins / losses" value={t ? `${t.wins} / ${t.losses}` : '—'} />
        <Stat label="Win rate" value={t && t.count > 0 ? `${((t.wins / t.count) * 100).toFixed(1)}%` : '—'} />
        <Stat label="Realised (USDT)" value={exact(t?.realizedPnl)} tone={pnlClass(t?.realizedPnl)} />
        <Stat label="Fees (USDT)" value={exact(t?.fees, 2, false)} />
        <Stat label="Net PnL (USDT)" value={exact(t?.netPnl)} tone={pnlClass(t?.netPnl)} />
      </div>
      <Card title="Closed positions">
        <ErrorNote error={trades.error} />
        {page && page.items.length === 0 && <Empty>No closed positions match.</Empty>}
        {page && page.items.length > 0 && (
          <div class="table-wrap">
            <table class="table" data-testid="trades-table">
              <TableHead
                columns={[
                  'Closed',
                  'Symbol',
                  'Side',
                  { label: 'Qty', num: true },
                  { label: 'Entry', num: true },
                  { label: 'Exit', num: true },
                  'Held',
                  'Exit reason',
                  { label: 'Realised', num: true },
                  { label: 'Fees', num: true },
                  { label: 'Net', num: true },
                ]}
              />
              <tbody>
                {page.items.map((x) => (
                  <tr key={x.positionId} data-position-id={x.positionId}>
                    <td class="mono">{dateTime(x.closedAt)}</td>
                    <td>{x.symbol}</td>
                    <td class={x.side === 'Buy' ? 'pos' : 'neg'}>{x.side === 'Buy' ? 'Long' : 'Short'}</td>
                    <td class="num mono">{x.qty}</td>
                    <td class="num mono">{exact(x.entryPrice, 0, false)}</td>
                    <td class="num mono">{exact(x.exitPrice, 0, false)}</td>
                    <td>{duration(x.holdingMs)}</td>
                    <td>{x.exitReason ?? '—'}</td>
                    <td class={`num mono ${pnlClass(x.realizedPnl)}`}>{exact(x.realizedPnl)}</td>
                    <td class="num mono">{exact(x.fees, 2, false)}</td>
                    <td class={`num mono ${pnlClass(x.netPnl)}`} data-testid="trade-net">
                      {exact(x.netPnl)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page && <Pager offset={offset} pageSize={PAGE} total={page.total} onChange={setOffset} />}
      </Card>
    </div>
  );
}
