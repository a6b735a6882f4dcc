import { Fragment } from 'preact';
import { fixed, pnlClass, signed } from '../format';
import { useAsk } from '../shell';
import type { RiskStatus } from '../types';
import { Badge, Card, Empty, ErrorNote, Stat, usePoll, TableHead } from '../ui';
import { activateKillSwitch, resetBreaker, resetKillSwitch } from './actions';

export function RiskScreen() {
  const ask = useAsk();
  const risk = usePoll<RiskStatus>('/trading/risk-status', 2000);
  const r = risk.data;
  const reload = () => void risk.reload();
  const rejections = Object.entries(r?.rejections ?? {}).sort((a, b) => b[1] - a[1]);
  const maxRejections = Math.max(1, ...rejections.map(([, n]) => n));
  return (
    <div class="screen">
      <h1 class="screen-title">Risk</h1>
      <ErrorNote error={risk.error} />
      <div class="stats-row">
        <Stat
          label="Entries"
          value={r ? (r.entriesAllowed ? 'allowed' : 'blocked') : '—'}
          tone={r?.entriesAllowed ? 'pos' : 'neg'}
        />
        <Stat label="Open positions" value={r ? `${r.usage.openPositions} / ${r.usage.maxOpenPositions}` : '—'} />
        <Stat
          label="Exposure (USDT)"
          value={r ? `${fixed(r.usage.exposureUsdt, 0)} / ${fixed(r.usage.maxExposureUsdt, 0)}` : '—'}
        />
        <Stat
          label="Daily realised / limit"
          value={r ? `${signed(r.usage.dailyRealizedPnlUsdt)} / −${fixed(r.usage.maxDailyLossUsdt, 0)}` : '—'}
          tone={pnlClass(r?.usage.dailyRealizedPnlUsdt)}
        />
        <Stat label="Available (USDT)" value={fixed(r?.usage.availableBalanceUsdt)} />
        <Stat
          label="Leverage / exposure ÷ equity"
          value={
            r
              ? `${r.usage.leverage === null ? '—' : `${r.usage.leverage}×`} / ${r.usage.effectiveLeverage === null ? '—' : `${fixed(r.usage.effectiveLeverage, 2)}×`}`
              : '—'
          }
        />
      </div>
      <div class="grid-2">
        <Card
          title="Kill switch"
          actions={
            r?.killSwitch.active ? (
              <button class="btn" type="button" onClick={() => ask(resetKillSwitch(reload))}>
                Reset kill switch
              </button>
            ) : (
              <button class="btn btn-danger" type="button" onClick={() => ask(activateKillSwitch(reload))}>
                Activate kill switch
              </button>
            )
          }
        >
          <dl class="kv">
            <dt>State</dt>
            <dd>{r ? r.killSwitch.active ? <Badge tone="bad">ACTIVE</Badge> : <Badge tone="ok">off</Badge> : '—'}</dd>
            <dt>Reason</dt>
            <dd>{r?.killSwitch.reason ?? '—'}</dd>
            <dt>Changed</dt>
            <dd>
              {r?.killSwitch.since ?? '—'}{' '}
              {r?.killSwitch.changedBy && <span class="muted">by {r.killSwitch.changedBy}</span>}
            </dd>
            <dt>Trading day</dt>
            <dd>{r?.killSwitch.tradingDay ?? '—'}</dd>
          </dl>
        </Card>
        <Card title="Rejections by reason (since start)">
          {rejections.length === 0 || rejections.every(([, n]) => n === 0) ? (
            <Empty>No entry was refused.</Empty>
          ) : (
            <ul class="bars">
              {rejections.map(([code, n]) => (
                <li key={code}>
                  <span class="bar-label mono">{code}</span>
                  <span class="bar-track">
                    <span class="bar-fill" style={{ width: `${(n / maxRejections) * 100}%` }} />
                  </span>
                  <span class="mono num">{n}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <div class="grid-2">
        <Card title="Circuit breakers">
          <table class="table compact">
            <TableHead
              columns={[
                'Group',
                'State',
                { label: 'Failures', num: true },
                'Last error',
                { label: 'Actions', srOnly: true },
              ]}
            />
            <tbody>
              {r?.circuitBreakers.map((b) => (
                <tr key={b.group}>
                  <td>{b.group}</td>
                  <td>
                    <Badge tone={b.state === 'CLOSED' ? 'ok' : b.state === 'OPEN' ? 'bad' : 'warn'}>{b.state}</Badge>
                  </td>
                  <td class="num mono">
                    {b.consecutiveFailures} / {b.failureThreshold}
                  </td>
                  <td class="small">{b.lastError ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      class="btn btn-sm"
                      aria-label={`Reset ${b.group} breaker`}
                      onClick={() => ask(resetBreaker(b.group, reload))}
                    >
                      Reset
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title="Books and limits">
          <dl class="kv">
            {r?.books.map((b) => (
              <Fragment key={b.symbol}>
                <dt>{b.symbol}</dt>
                <dd>
                  <Badge tone={b.stale ? 'warn' : 'ok'}>{b.condition}</Badge>
                </dd>
              </Fragment>
            ))}
            {Object.entries(r?.limits ?? {}).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd class="mono">{v}</dd>
              </Fragment>
            ))}
          </dl>
        </Card>
      </div>
    </div>
  );
}
