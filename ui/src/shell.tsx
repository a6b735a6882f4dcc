import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { latencyPercentile } from './latency';
import { useChannel, useLinkState, useTicker } from './live';
import { AuditScreen } from './screens/audit';
import { BacktestsScreen } from './screens/backtests';
import { ControlsScreen } from './screens/controls';
import { OverviewScreen } from './screens/overview';
import { PositionsScreen } from './screens/positions';
import { RiskScreen } from './screens/risk';
import { SymbolScreen } from './screens/symbol';
import { TradesScreen } from './screens/trades';
import type { BotStatus } from './types';
import { Badge, ConfirmDialog, ConfirmRequest, Empty } from './ui';

const AskContext = createContext<(request: ConfirmRequest) => void>(() => undefined);
/** Opens the confirmation dialog for a control. */
export const useAsk = () => useContext(AskContext);

const BotContext = createContext<BotStatus | undefined>(undefined);
/** The newest `bot` push: state, mode, symbols, connections. */
export const useBot = () => useContext(BotContext);

/** Hash routes (`#/symbol/BTCUSDT`): no server routes needed, and a reload keeps the screen. */
function useRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onHash = () => setRoute(read());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

const NAV: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['symbol', 'Markets'],
  ['positions', 'Positions & orders'],
  ['trades', 'Trade history'],
  ['risk', 'Risk'],
  ['audit', 'Audit log'],
  ['backtests', 'Backtests'],
  ['controls', 'Controls'],
];

export function Shell(props: { onLogout: () => void }) {
  const route = useRoute();
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  const bot = useChannel<BotStatus>('bot')?.data;
  const link = useLinkState();
  useTicker(2000);
  const p95 = latencyPercentile(95);
  const [screen, arg] = route;
  const symbols = bot?.symbols ?? [];
  const symbol = screen === 'symbol' ? (arg ?? symbols[0]) : undefined;
  return (
    <AskContext.Provider value={setRequest}>
      <BotContext.Provider value={bot}>
        <div class="layout">
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="topbar">
            <div class="brand">
              <span class="brand-mark" aria-hidden="true">
                ◆
              </span>
              bybit-scalper
            </div>
            <div class="topbar-status" role="status" aria-live="polite">
              {bot && <Badge tone={bot.mode === 'mainnet' ? 'bad' : 'info'}>{bot.mode.toUpperCase()}</Badge>}
              {bot && (
                <Badge
                  tone={bot.state === 'running' ? 'ok' : bot.state === 'stopped' ? 'muted' : 'warn'}
                  label="bot state"
                >
                  bot {bot.state}
                </Badge>
              )}
              <Badge tone={link === 'open' ? 'ok' : link === 'closed' ? 'bad' : 'warn'} label="live feed">
                <span class={`dot dot-${link}`} aria-hidden="true" /> feed {link === 'open' ? 'live' : link}
              </Badge>
              <span class="muted small" title="Exchange timestamp → rendered frame, last ~4000 book updates">
                book lag p95 {p95 === null ? '—' : `${Math.round(p95)} ms`}
              </span>
            </div>
            <button class="btn btn-ghost" type="button" onClick={props.onLogout}>
              Sign out
            </button>
          </header>
          <nav class="sidebar" aria-label="Screens">
            {NAV.map(([key, label]) => (
              <a
                key={key}
                href={key === 'symbol' ? `#/symbol/${symbol ?? symbols[0] ?? ''}` : `#/${key}`}
                class={screen === key ? 'active' : ''}
                aria-current={screen === key ? 'page' : undefined}
              >
                {label}
              </a>
            ))}
            <div class="sidebar-foot small muted">
              Charts by{' '}
              <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer">
                TradingView Lightweight Charts™
              </a>
            </div>
          </nav>
          <main id="main" class="content" tabIndex={-1}>
            {screen === 'overview' && <OverviewScreen />}
            {screen === 'symbol' && symbol && <SymbolScreen symbol={symbol} symbols={symbols} />}
            {screen === 'symbol' && !symbol && <Empty>Waiting for the bot status…</Empty>}
            {screen === 'positions' && <PositionsScreen />}
            {screen === 'trades' && <TradesScreen />}
            {screen === 'risk' && <RiskScreen />}
            {screen === 'audit' && <AuditScreen traceId={arg} />}
            {screen === 'backtests' && <BacktestsScreen selected={arg} />}
            {screen === 'controls' && <ControlsScreen />}
          </main>
        </div>
        <ConfirmDialog request={request} onClose={() => setRequest(null)} />
      </BotContext.Provider>
    </AskContext.Provider>
  );
}
