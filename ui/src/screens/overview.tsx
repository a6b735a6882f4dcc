import { signed, fixed, pct, pnlClass, decimalsOf, time } from '../format';
import { isStale, useChannel, useEvents, useTicker } from '../live';
import { recordPaint } from '../latency';
import { useAsk, useBot } from '../shell';
import type { Balance, BookPush, MetricsPush, Pair, RiskStatus, SignalPush } from '../types';
import { Badge, Card, Empty, Stat, usePoll, TableHead } from '../ui';
import { activateKillSwitch, resetKillSwitch, startBot, stopBot } from './actions';
import { useEffect, useState } from 'preact/hooks';

export function ImbalanceBar(props: { value: number | undefined; label: string }) {
  const v = props.value ?? 0.5;
  return (
    <div class="imb" role="meter" aria-label={props.label} aria-valuemin={0} aria-valuemax={1} aria-valuenow={v}>
      <div class="imb-bid" style={{ width: `${(v * 100).toFixed(1)}%` }} />
      <span class="imb-text">{pct(props.value ?? null, 0)} bid</span>
    </div>
  );
}

function MarketCard(props: { symbol: string; pair: Pair | undefined; now: number }) {
  const book = useChannel<BookPush>(`orderbook:${props.symbol}`);
  const metrics = useChannel<MetricsPush>(`metrics:${props.symbol}`);
  const data = book?.data;
  useEffect(() => {
    if (data) recordPaint(Date.parse(data.exchangeTime ?? ''));
  }, [data]);
  const stale = isStale(book, props.now) || data?.stale === true;
  const digits = decimalsOf(props.pair?.tickSize);
  const bid = data?.bids[0];
  const ask = data?.asks[0];
  return (
    <a
      class="market"
      href={`#/symbol/${props.symbol}`}
      aria-label={`${props.symbol} market details`}
      data-symbol={props.symbol}
    >
      <div class="market-head">
        <strong>{props.symbol}</strong>
        {stale ? <Badge tone="warn">stale</Badge> : <Badge tone="ok">live</Badge>}
      </div>
      <div class="market-prices">
        <span class="bid mono" data-testid="best-bid">
          {bid ? fixed(bid[0], digits) : '—'}
        </span>
        <span class="muted">/</span>
        <span class="ask mono">{ask ? fixed(ask[0], digits) : '—'}</span>
      </div>
      <div class="muted small">
        spread {metrics?.data.spread != null ? fixed(metrics.data.spread, digits) : '—'} · u {data?.u ?? '—'}
      </div>
      <ImbalanceBar value={metrics?.data.imbalance5} label={`${props.symbol} imbalance, top 5 levels`} />
    </a>
  );
}

export function useSignals(limit = 30): SignalPush[] {
  const [signals, setSignals] = useState<SignalPush[]>([]);
  useEvents<SignalPush>('signals', (s) => setSignals((list) => [s, ...list].slice(0, limit)));
  return signals;
}

export function OverviewScreen() {
  const bot = useBot();
  const ask = useAsk();
  const now = useTicker(1000);
  const balance = usePoll<Balance>('/trading/balance', 5000);
  const risk = usePoll<RiskStatus>('/trading/risk-status', 2000);
  const pairs = usePoll<{ pairs: Pair[] }>('/data/pairs', 60_000);
  const signals = useSignals(12);
  const r = risk.data;
  const openBreakers = r?.circuitBreakers.filter((b) => b.state !== 'CLOSED') ?? [];
  const reload = () => void risk.reload();
  return (
    <div class="screen">
      <h1 class="screen-title">Overview</h1>
      <div class="stats-row" data-testid="overview-stats">
        <Stat
          label="Bot"
          value={bot?.state ?? '—'}
          tone={bot?.state === 'running' ? 'pos' : bot?.state === 'stopped' ? 'muted' : 'warn'}
        />
        <Stat label="Mode" value={bot?.mode ?? '—'} />
        <Stat label="Equity (USDT)" value={fixed(balance.data?.equityUsdt)} />
        <Stat
          label="Realised today"
          value={signed(r?.usage.dailyRealizedPnlUsdt)}
          tone={pnlClass(r?.usage.dailyRealizedPnlUsdt)}
        />
        <Stat
          label="Unrealised"
          value={signed(balance.data?.unrealizedPnlUsdt)}
          tone={pnlClass(balance.data?.unrealizedPnlUsdt)}
        />
        <Stat
          label="Kill switch"
          value={r ? (r.killSwitch.active ? 'ACTIVE' : 'off') : '—'}
          tone={r?.killSwitch.active ? 'neg' : 'pos'}
          hint={r?.killSwitch.reason ?? undefined}
        />
        <Stat
          label="Breakers"
          value={r ? (openBreakers.length ? `${openBreakers.length} open` : 'all closed') : '—'}
          tone={openBreakers.length ? 'neg' : 'pos'}
        />
      </div>
      <div class="grid-2">
        <Card
          title="Control"
          actions={
            <>
              {bot?.running ? (
                <button class="btn btn-danger" type="button" onClick={() => ask(stopBot())}>
                  Stop bot
                </button>
              ) : (
                <button class="btn btn-primary" type="button" onClick={() => ask(startBot())} disabled={!bot}>
                  Start bot
                </button>
              )}
              {r?.killSwitch.active ? (
                <button class="btn" type="button" onClick={() => ask(resetKillSwitch(reload))}>
                  Reset kill switch
                </button>
              ) : (
                <button class="btn btn-danger" type="button" onClick={() => ask(activateKillSwitch(reload))}>
                  Kill switch
                </button>
              )}
            </>
          }
        >
          <dl class="kv">
            <dt>Entries</dt>
            <dd>
              {r ? r.entriesAllowed ? <Badge tone="ok">allowed</Badge> : <Badge tone="bad">blocked</Badge> : '—'}
              {r?.killSwitch.active && <span class="muted small"> kill switch: {r.killSwitch.reason}</span>}
            </dd>
            <dt>Connections</dt>
            <dd>
              {bot
                ? Object.entries(bot.connections).map(([name, state]) => (
                    <Badge key={name} tone={state === 'connected' ? 'ok' : 'bad'}>
                      {name} {state}
                    </Badge>
                  ))
                : '—'}
            </dd>
            <dt>Positions</dt>
            <dd>
              {r ? `${r.usage.openPositions} / ${r.usage.maxOpenPositions}` : '—'} · exposure{' '}
              {r ? `${fixed(r.usage.exposureUsdt, 0)} / ${fixed(r.usage.maxExposureUsdt, 0)} USDT` : '—'}
            </dd>
            <dt>Breakers</dt>
            <dd>
              {r?.circuitBreakers.map((b) => (
                <Badge key={b.group} tone={b.state === 'CLOSED' ? 'ok' : b.state === 'OPEN' ? 'bad' : 'warn'}>
                  {b.group} {b.state}
                </Badge>
              ))}
            </dd>
          </dl>
          {risk.error && <p class="error">{risk.error}</p>}
        </Card>
        <Card title="Recent signals">
          {signals.length === 0 ? (
            <Empty>No signals since this page opened.</Empty>
          ) : (
            <table class="table compact">
              <TableHead
                columns={['Time', 'Symbol', 'Side', { label: 'Price', num: true }, { label: 'Strength', num: true }]}
              />
              <tbody>
                {signals.map((s) => (
                  <tr key={s.id} title={s.reason}>
                    <td class="mono">{time(s.at)}</td>
                    <td>{s.symbol}</td>
                    <td class={s.side === 'Buy' ? 'pos' : 'neg'}>{s.side}</td>
                    <td class="num mono">{s.price}</td>
                    <td class="num mono">{s.strength.toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <h2 class="section-title">Markets</h2>
      <div class="markets">
        {(bot?.symbols ?? []).map((symbol) => (
          <MarketCard
            key={symbol}
            symbol={symbol}
            pair={pairs.data?.pairs.find((p) => p.symbol === symbol)}
            now={now}
          />
        ))}
      </div>
    </div>
  );
}
