import { useState } from 'preact/hooks';
import { api, signIn } from '../api';
import { useAsk, useBot } from '../shell';
import type { RiskStatus } from '../types';
import { Badge, Card, usePoll } from '../ui';
import { activateKillSwitch, resetBreaker, resetKillSwitch, startBot, stopBot } from './actions';

function ChangePassword() {
  const ask = useAsk();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setDone(false);
    ask({
      title: 'Change the password?',
      body: (
        <p>Every other session (other browsers, API clients) is signed out. This one continues with a new token.</p>
      ),
      confirmLabel: 'Change password',
      danger: true,
      run: async () => {
        await api('/auth/change-password', { method: 'POST', body: { currentPassword: current, newPassword: next } });
        // The change revokes every token issued before it, ours included: sign in again with the new password.
        await signIn(next);
      },
      onDone: () => {
        setCurrent('');
        setNext('');
        setDone(true);
      },
    });
  };
  return (
    <form class="form" onSubmit={submit} aria-label="Change password">
      <label for="current-password">Current password</label>
      <input
        id="current-password"
        type="password"
        autocomplete="current-password"
        required
        value={current}
        onInput={(e) => setCurrent((e.target as HTMLInputElement).value)}
      />
      <label for="new-password">New password</label>
      <input
        id="new-password"
        type="password"
        autocomplete="new-password"
        required
        value={next}
        onInput={(e) => setNext((e.target as HTMLInputElement).value)}
      />
      <button class="btn" type="submit" disabled={!current || !next}>
        Change password
      </button>
      {done && (
        <p class="notice" role="status">
          Password changed.
        </p>
      )}
    </form>
  );
}

export function ControlsScreen() {
  const ask = useAsk();
  const bot = useBot();
  const risk = usePoll<RiskStatus>('/trading/risk-status', 2000);
  const reload = () => void risk.reload();
  const r = risk.data;
  return (
    <div class="screen">
      <h1 class="screen-title">Controls</h1>
      <div class="grid-2">
        <Card title="Bot">
          <p>
            State: <Badge tone={bot?.running ? 'ok' : 'muted'}>{bot?.state ?? '—'}</Badge> · mode {bot?.mode ?? '—'}
          </p>
          <div class="button-row">
            <button
              class="btn btn-primary"
              type="button"
              disabled={!bot || bot.running}
              onClick={() => ask(startBot())}
            >
              Start bot
            </button>
            <button class="btn btn-danger" type="button" disabled={!bot || !bot.running} onClick={() => ask(stopBot())}>
              Stop bot
            </button>
          </div>
        </Card>
        <Card title="Kill switch">
          <p>
            {r ? r.killSwitch.active ? <Badge tone="bad">ACTIVE</Badge> : <Badge tone="ok">off</Badge> : '—'}{' '}
            {r?.killSwitch.reason && <span class="muted">{r.killSwitch.reason}</span>}
          </p>
          <div class="button-row">
            <button
              class="btn btn-danger"
              type="button"
              disabled={!r || r.killSwitch.active}
              onClick={() => ask(activateKillSwitch(reload))}
            >
              Activate kill switch
            </button>
            <button
              class="btn"
              type="button"
              disabled={!r || !r.killSwitch.active}
              onClick={() => ask(resetKillSwitch(reload))}
            >
              Reset kill switch
            </button>
          </div>
        </Card>
        <Card title="Circuit breakers">
          <div class="button-row wrap">
            {r?.circuitBreakers.map((b) => (
              <button key={b.group} class="btn btn-sm" type="button" onClick={() => ask(resetBreaker(b.group, reload))}>
                Reset {b.group} <Badge tone={b.state === 'CLOSED' ? 'ok' : 'bad'}>{b.state}</Badge>
              </button>
            ))}
          </div>
        </Card>
        <Card title="Password">
          <ChangePassword />
        </Card>
      </div>
    </div>
  );
}
