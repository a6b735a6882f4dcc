import { useEffect, useState } from 'preact/hooks';
import { api, apiText, errorText } from '../api';
import { dateTime, duration, exact, pct, pnlClass } from '../format';
import { useEvents } from '../live';
import { useAsk } from '../shell';
import type { BacktestPage, BacktestPush, BacktestRun, BacktestSettings, DataFiles } from '../types';
import { Badge, Card, Empty, ErrorNote, Pager, TableHead, usePoll } from '../ui';

const PAGE = 20;

/** Runs as GET /backtests lists them, updated live by the /ws `backtests` pushes (started, progress, finished). */
function useRuns(offset: number) {
  const page = usePoll<BacktestPage>(`/backtests?limit=${PAGE}&offset=${offset}`, 10_000);
  const [pushed, setPushed] = useState<Record<string, BacktestRun>>({});
  useEvents<BacktestPush>('backtests', (push) => {
    setPushed((current) => ({ ...current, [push.run.id]: push.run }));
    if (push.event !== 'progress') void page.reload();
  });
  const listed = page.data?.items ?? [];
  const merged = listed.map((run) => pushed[run.id] ?? run);
  // A run started elsewhere (another tab, curl) shows as soon as its push arrives, on the first page.
  const fresh =
    offset === 0
      ? Object.values(pushed)
          .filter((run) => !listed.some((l) => l.id === run.id) && run.id > (listed[0]?.id ?? ''))
          .sort((a, b) => (a.id < b.id ? 1 : -1))
      : [];
  return { runs: [...fresh, ...merged], total: (page.data?.total ?? 0) + fresh.length, page };
}

function StatusBadge(props: { run: BacktestRun }) {
  const { run } = props;
  if (run.status === 'succeeded') return <Badge tone="ok">succeeded</Badge>;
  if (run.status === 'failed') return <Badge tone="bad">failed</Badge>;
  if (run.status === 'cancelled') return <Badge tone="muted">cancelled</Badge>;
  return <Badge tone="warn">running</Badge>;
}

/** Stops a running run (confirmed like every control); the /ws `finished` push updates the table. */
function CancelButton(props: { run: BacktestRun; onDone: () => void }) {
  const ask = useAsk();
  if (props.run.status !== 'running') return null;
  return (
    <button
      type="button"
      class="btn btn-sm btn-danger"
      data-testid="backtest-cancel"
      onClick={() =>
        ask({
          title: 'Cancel this backtest?',
          body: (
            <p>
              The run on <span class="mono">{props.run.dataFile}</span> stops now and keeps no report.
            </p>
          ),
          confirmLabel: 'Cancel backtest',
          danger: true,
          run: () => api(`/backtests/${props.run.id}/cancel`, { method: 'POST' }),
          onDone: props.onDone,
        })
      }
    >
      Cancel
    </button>
  );
}

function Progress(props: { run: BacktestRun }) {
  const p = props.run.progress;
  if (props.run.status !== 'running') return null;
  const share = p && p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 0;
  return (
    <div class="bt-progress" data-testid="backtest-progress">
      <span
        class="bar-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
      >
        <span class="bar-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </span>
      <span class="muted small">
        {p
          ? `${p.bytesTotal > 0 ? `${(share * 100).toFixed(0)}%` : `${p.messagesDone.toLocaleString('en-US')} messages`} · ${Math.round(p.messagesPerSecond).toLocaleString('en-US')} msg/s · ETA ${
              p.etaSeconds === null ? '?' : duration(p.etaSeconds * 1000)
            }`
          : 'starting…'}
      </span>
    </div>
  );
}

/** The form that starts a run: a recording, optional symbols and period, setting overrides, a seed. */
function StartForm(props: { onStarted: (run: BacktestRun) => void }) {
  const ask = useAsk();
  const files = usePoll<DataFiles>('/backtests/data-files', 30_000);
  const known = usePoll<BacktestSettings>('/backtests/settings', 60_000);
  const [dataFile, setDataFile] = useState('');
  const [symbols, setSymbols] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [seed, setSeed] = useState('');
  const [rows, setRows] = useState<Array<{ name: string; value: string }>>([]);
  const items = files.data?.items ?? [];
  useEffect(() => {
    if (!dataFile && items.length > 0) setDataFile(items[0].path);
  }, [items.length]);
  const defaults = Object.fromEntries((known.data?.items ?? []).map((s) => [s.name, s.value]));
  const setRow = (i: number, patch: Partial<{ name: string; value: string }>) =>
    setRows(rows.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  const submit = (e: Event) => {
    e.preventDefault();
    const settings = Object.fromEntries(rows.filter((r) => r.name).map((r) => [r.name, r.value]));
    const body: Record<string, unknown> = { dataFile };
    const list = symbols
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length > 0) body.symbols = list;
    if (from) body.from = new Date(`${from}Z`).toISOString();
    if (to) body.to = new Date(`${to}Z`).toISOString();
    if (seed !== '') body.seed = Number(seed);
    if (Object.keys(settings).length > 0) body.settings = settings;
    ask({
      title: 'Start a backtest?',
      body: (
        <div>
          <p>
            Replays <span class="mono">{dataFile}</span> through the live strategy, risk and execution code in a worker
            thread. The bot keeps trading meanwhile.
          </p>
          {Object.keys(settings).length > 0 && (
            <p class="mono small">
              {Object.entries(settings)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}
            </p>
          )}
        </div>
      ),
      confirmLabel: 'Start backtest',
      run: async () => props.onStarted(await api<BacktestRun>('/backtests', { method: 'POST', body })),
    });
  };
  if (files.data && items.length === 0) {
    return (
      <Empty>
        No recordings in <span class="mono">{files.data.directory}</span> (BACKTEST_DATA_DIR). Put a recording there (
        <span class="mono">npm run record</span>, or <span class="mono">npm run sim -- --record</span>) and it shows
        here.
      </Empty>
    );
  }
  return (
    <form class="bt-form" aria-label="Start a backtest" onSubmit={submit}>
      <ErrorNote error={files.error ?? known.error} />
      <div class="filters">
        <label>
          Data file
          <select value={dataFile} onChange={(e) => setDataFile((e.target as HTMLSelectElement).value)} required>
            {items.map((f) => (
              <option key={f.path} value={f.path}>
                {f.path} ({(f.bytes / 1e6).toFixed(1)} MB)
              </option>
            ))}
          </select>
        </label>
        <label>
          Symbols
          <input
            placeholder="all in the file"
            value={symbols}
            onInput={(e) => setSymbols((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          From (UTC)
          <input
            type="datetime-local"
            step="1"
            value={from}
            onChange={(e) => setFrom((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          To (UTC)
          <input
            type="datetime-local"
            step="1"
            value={to}
            onChange={(e) => setTo((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Seed
          <input
            type="number"
            min="0"
            step="1"
            placeholder="0"
            value={seed}
            onInput={(e) => setSeed((e.target as HTMLInputElement).value)}
            class="bt-seed"
          />
        </label>
      </div>
      <fieldset class="bt-settings">
        <legend>Setting overrides</legend>
        {rows.map((row, i) => (
          <div class="bt-setting-row" key={i}>
            <select
              aria-label={`Setting ${i + 1}`}
              value={row.name}
              onChange={(e) => setRow(i, { name: (e.target as HTMLSelectElement).value })}
            >
              <option value="">choose a setting</option>
              {(known.data?.items ?? []).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
            <input
              aria-label={`Value ${i + 1}`}
              placeholder={row.name ? `default ${defaults[row.name] ?? '—'}` : 'value'}
              value={row.value}
              onInput={(e) => setRow(i, { value: (e.target as HTMLInputElement).value })}
            />
            <button type="button" class="btn btn-sm" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" class="btn btn-sm" onClick={() => setRows([...rows, { name: '', value: '' }])}>
          Add setting
        </button>
      </fieldset>
      <button class="btn btn-primary" type="submit" disabled={!dataFile}>
        Start backtest
      </button>
    </form>
  );
}

/** One run: its request and outcome, and its report.html in a sandboxed frame (scripts, but not this origin). */
function RunDetail(props: { id: string; run: BacktestRun | undefined }) {
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = props.run;
  const status = run?.status;
  useEffect(() => {
    setHtml(null);
    setError(null);
    if (status !== 'succeeded') return;
    apiText(`/backtests/${props.id}/report.html`).then(setHtml, (e: unknown) => setError(errorText(e)));
  }, [props.id, status]);
  const download = () => {
    if (!html) return;
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `backtest-${props.id}.html`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <Card
      title={`Backtest ${props.id}`}
      actions={
        <>
          {html && (
            <button type="button" class="btn btn-sm" onClick={download}>
              Download report.html
            </button>
          )}
          <a class="btn btn-sm" href="#/backtests">
            Close
          </a>
        </>
      }
    >
      {!run && <Empty>Loading…</Empty>}
      {run && (
        <dl class="kv" data-testid="backtest-detail">
          <dt>Status</dt>
          <dd>
            <StatusBadge run={run} />
            <Progress run={run} />
          </dd>
          <dt>Data</dt>
          <dd class="mono">{run.dataFile}</dd>
          <dt>Fingerprint</dt>
          <dd class="mono small">{run.fingerprint ?? '—'}</dd>
          <dt>Symbols</dt>
          <dd>{run.symbols?.join(', ') ?? 'all'}</dd>
          <dt>Period</dt>
          <dd>
            {run.from ? dateTime(run.from) : 'start'} → {run.to ? dateTime(run.to) : 'end'}
          </dd>
          <dt>Seed</dt>
          <dd>{run.seed ?? 0}</dd>
          <dt>Overrides</dt>
          <dd class="mono small">
            {Object.keys(run.settings).length === 0
              ? 'none'
              : Object.entries(run.settings)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
          </dd>
          {run.messages !== null && (
            <>
              <dt>Replay</dt>
              <dd>
                {run.messages.toLocaleString('en-US')} messages in {duration(run.wallMs)}
              </dd>
            </>
          )}
          {run.error && (
            <>
              <dt>Error</dt>
              <dd class="neg">{run.error}</dd>
            </>
          )}
        </dl>
      )}
      <ErrorNote error={error} />
      {html && (
        <iframe
          class="bt-report"
          title={`Report of backtest ${props.id}`}
          sandbox="allow-scripts"
          srcdoc={html}
          data-testid="backtest-report"
        />
      )}
    </Card>
  );
}

export function BacktestsScreen(props: { selected?: string }) {
  const [offset, setOffset] = useState(0);
  const { runs, total, page } = useRuns(offset);
  const [selectedRun, setSelectedRun] = useState<BacktestRun | undefined>(undefined);
  const selected = props.selected;
  const listedSelected = selected ? runs.find((r) => r.id === selected) : undefined;
  useEffect(() => {
    setSelectedRun(undefined);
    if (!selected || listedSelected) return;
    api<BacktestRun>(`/backtests/${selected}`).then(setSelectedRun, () => undefined);
  }, [selected, listedSelected?.status]);
  return (
    <div class="screen">
      <h1 class="screen-title">Backtests</h1>
      {selected && <RunDetail id={selected} run={listedSelected ?? selectedRun} />}
      <Card title="Start a backtest">
        <StartForm
          onStarted={(run) => {
            setOffset(0);
            location.hash = `#/backtests/${run.id}`;
            void page.reload();
          }}
        />
      </Card>
      <Card title="Runs">
        <ErrorNote error={page.error} />
        {page.data && runs.length === 0 && <Empty>No backtests yet: start one above.</Empty>}
        {runs.length > 0 && (
          <div class="table-wrap">
            <table class="table" data-testid="backtests-table">
              <TableHead
                columns={[
                  'Started',
                  'Data file',
                  'Status',
                  { label: 'Trades', num: true },
                  { label: 'Net PnL', num: true },
                  { label: 'Win rate', num: true },
                  { label: 'Max DD', num: true },
                  { label: 'Sharpe', num: true },
                  'Took',
                  { label: 'Report', srOnly: true },
                ]}
              />
              <tbody>
                {runs.map((run) => (
                  <tr key={run.id} data-backtest-id={run.id} class={run.id === selected ? 'selected' : undefined}>
                    <td class="mono">{dateTime(run.createdAt)}</td>
                    <td class="mono">{run.dataFile}</td>
                    <td>
                      <StatusBadge run={run} />
                      <Progress run={run} />
                      {run.error && (
                        <div class={run.status === 'cancelled' ? 'muted small' : 'neg small'}>{run.error}</div>
                      )}
                    </td>
                    <td class="num mono">{run.summary?.trades ?? '—'}</td>
                    <td class={`num mono ${pnlClass(run.summary?.netPnl)}`}>{exact(run.summary?.netPnl)}</td>
                    <td class="num mono">{pct(run.summary?.winRate)}</td>
                    <td class="num mono">{pct(run.summary?.maxDrawdown, 2)}</td>
                    <td class="num mono">{run.summary?.sharpe?.toFixed(2) ?? '—'}</td>
                    <td>{duration(run.wallMs)}</td>
                    <td class="actions">
                      <a class="btn btn-sm" href={`#/backtests/${run.id}`}>
                        {run.status === 'succeeded' ? 'Open report' : 'Details'}
                      </a>
                      <CancelButton run={run} onDone={() => void page.reload()} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.data && <Pager offset={offset} pageSize={PAGE} total={total} onChange={setOffset} />}
      </Card>
    </div>
  );
}
