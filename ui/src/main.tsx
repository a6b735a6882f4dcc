import './styles.css';
import './latency';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, signIn } from './api';
import { live } from './live';
import { currentToken, endSession, onSessionChange, resumeSession } from './session';
import { Shell } from './shell';
import { ErrorNote } from './ui';

function Login(props: { reason: string | null }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(password);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div class="brand brand-lg">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>
          bybit-scalper
        </div>
        <h1 id="login-title">Operator sign-in</h1>
        {props.reason && (
          <p class="notice" role="status">
            {props.reason}
          </p>
        )}
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          autofocus
        />
        <ErrorNote error={error} />
        <button class="btn btn-primary btn-block" type="submit" disabled={busy || password.length === 0}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">The password is APP_PASSWORD (or the one set later under Controls).</p>
      </form>
    </main>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(() => currentToken() !== null);
  const [reason, setReason] = useState<string | null>(null);
  useEffect(() => {
    resumeSession();
    return onSessionChange((why) => {
      setSignedIn(currentToken() !== null);
      setReason(why);
    });
  }, []);
  useEffect(() => {
    if (!signedIn) {
      live.stop();
      return;
    }
    // A token restored from sessionStorage may have been revoked meanwhile: ask before showing anything.
    api('/auth/verify').catch(() => undefined);
    live.start();
  }, [signedIn]);
  return signedIn ? <Shell onLogout={() => endSession('You signed out.')} /> : <Login reason={reason} />;
}

const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading…" placeholder is not Preact's to diff
render(<App />, root);
