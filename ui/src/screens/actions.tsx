import { useState } from 'preact/hooks';
import { api } from '../api';
import type { ConfirmRequest } from '../ui';

/** The confirmation requests of every control; screens open them through useAsk(). */
export function startBot(onDone?: () => void): ConfirmRequest {
  return {
    title: 'Start the bot?',
    body: <p>The bot will act on signals and place real orders on the configured exchange.</p>,
    confirmLabel: 'Start bot',
    run: () => api('/bot/start', { method: 'POST' }),
    onDone,
  };
}

export function stopBot(onDone?: () => void): ConfirmRequest {
  return {
    title: 'Stop the bot?',
    body: <p>No new entries will be taken. Open positions keep their exits.</p>,
    confirmLabel: 'Stop bot',
    danger: true,
    run: () => api('/bot/stop', { method: 'POST' }),
    onDone,
  };
}

function ReasonField(props: { onInput: (value: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <>
      <label for="kill-reason">Reason (recorded in the audit log)</label>
      <input
        id="kill-reason"
        required
        maxLength={200}
        value={value}
        onInput={(e) => {
          const v = (e.target as HTMLInputElement).value;
          setValue(v);
          props.onInput(v);
        }}
      />
    </>
  );
}

export function activateKillSwitch(onDone?: () => void): ConfirmRequest {
  let reason = '';
  return {
    title: 'Activate the kill switch?',
    body: (
      <>
        <p>All new entries are blocked until the kill switch is reset. Open positions are not closed.</p>
        <ReasonField onInput={(v) => (reason = v)} />
      </>
    ),
    confirmLabel: 'Activate kill switch',
    danger: true,
    run: () => api('/trading/kill-switch/activate', { method: 'POST', body: { reason } }),
    onDone,
  };
}

export function resetKillSwitch(onDone?: () => void): ConfirmRequest {
  return {
    title: 'Reset the kill switch?',
    body: <p>New entries will be allowed again (if the bot is running and the risk limits allow).</p>,
    confirmLabel: 'Reset kill switch',
    run: () => api('/trading/kill-switch/reset', { method: 'POST' }),
    onDone,
  };
}

export function resetBreaker(group: string, onDone?: () => void): ConfirmRequest {
  return {
    title: `Reset the “${group}” circuit breaker?`,
    body: <p>Calls to this endpoint group are let through again at once, without waiting for the cool-down.</p>,
    confirmLabel: 'Reset breaker',
    run: () => api(`/exchange/breakers/${encodeURIComponent(group)}/reset`, { method: 'POST' }),
    onDone,
  };
}

export function closePosition(
  position: { id: string; symbol: string; side: string; quantity: string },
  onDone?: () => void,
): ConfirmRequest {
  return {
    title: `Close ${position.symbol} ${position.side === 'Buy' ? 'long' : 'short'}?`,
    body: (
      <p>
        A reduce-only market order for {position.quantity} {position.symbol} will be sent.
      </p>
    ),
    confirmLabel: 'Close position',
    danger: true,
    run: () => api(`/trading/positions/${encodeURIComponent(position.id)}/close`, { method: 'POST' }),
    onDone,
  };
}
