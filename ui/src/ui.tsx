import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from './api';

export function Card(props: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  class?: string;
}) {
  const id = `card-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class={`card ${props.class ?? ''}`} aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions && <div class="card-actions">{props.actions}</div>}
      </header>
      <div class="card-body">{props.children}</div>
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; tone?: string; hint?: string }) {
  return (
    <div class="stat" title={props.hint}>
      <div class="stat-label">{props.label}</div>
      <div class={`stat-value ${props.tone ?? ''}`} data-testid={`stat-${props.label}`}>
        {props.value}
      </div>
    </div>
  );
}

export function Badge(props: {
  tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info';
  children: ComponentChildren;
  label?: string;
}) {
  return (
    <span class={`badge badge-${props.tone}`} aria-label={props.label}>
      {props.children}
    </span>
  );
}

export function ErrorNote(props: { error: string | null }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

/**
 * GET `path` now and every `everyMs` (never faster than once a second), while mounted. `reload()` fetches at once,
 * e.g. after a control changed something.
 */
export function usePoll<T>(path: string | null, everyMs = 5000) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loadedAt, setLoadedAt] = useState(0);
  const generation = useRef(0);
  const load = useCallback(async () => {
    if (!path) return;
    const mine = ++generation.current;
    try {
      const value = await api<T>(path);
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
      setLoadedAt(Date.now());
    } catch (e) {
      if (mine === generation.current) setError(errorText(e));
    }
  }, [path]);
  useEffect(() => {
    setData(undefined);
    void load();
    const timer = window.setInterval(() => void load(), Math.max(1000, everyMs));
    return () => {
      generation.current += 1;
      window.clearInterval(timer);
    };
  }, [load, everyMs]);
  return { data, error, loadedAt, reload: load };
}

export interface ConfirmRequest {
  readonly title: string;
  readonly body: ComponentChildren;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  /** Runs on confirm; a thrown error is shown in the dialog, which stays open. */
  readonly run: () => Promise<unknown>;
  readonly onDone?: () => void;
}

/**
 * Every control goes through this modal: it names what will happen, runs the call, and shows the API's error
 * message when it fails. A native <dialog> opened with showModal() traps focus and closes on Escape.
 */
export function ConfirmDialog(props: { request: ConfirmRequest | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { request } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    setError(null);
    setBusy(false);
    if (request && !dialog.open) dialog.showModal();
    if (!request && dialog.open) dialog.close();
  }, [request]);
  const confirm = async () => {
    if (!request) return;
    setBusy(true);
    setError(null);
    try {
      await request.run();
      request.onDone?.();
      props.onClose();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onClose={props.onClose}>
      {request && (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <h2 id="confirm-title">{request.title}</h2>
          <div class="dialog-body">{request.body}</div>
          <ErrorNote error={error} />
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={props.onClose} disabled={busy}>
              Cancel
            </button>
            <button
              type="submit"
              class={`btn ${request.danger ? 'btn-danger' : 'btn-primary'}`}
              disabled={busy}
              autofocus
            >
              {busy ? 'Working…' : request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/** Newer / older paging over a server-side list of `total` rows. */
export function Pager(props: { offset: number; pageSize: number; total: number; onChange: (offset: number) => void }) {
  const { offset, pageSize, total } = props;
  return (
    <div class="pager">
      <button
        type="button"
        class="btn btn-sm"
        disabled={offset === 0}
        onClick={() => props.onChange(Math.max(0, offset - pageSize))}
      >
        Newer
      </button>
      <span class="muted small">
        {total === 0 ? 0 : offset + 1}–{Math.min(offset + pageSize, total)} of {total}
      </span>
      <button
        type="button"
        class="btn btn-sm"
        disabled={offset + pageSize >= total}
        onClick={() => props.onChange(offset + pageSize)}
      >
        Older
      </button>
    </div>
  );
}

/** A header cell: a label, right-aligned for numbers, or read to screen readers only (an actions column). */
export type Column = string | { readonly label: string; readonly num?: boolean; readonly srOnly?: boolean };

export function TableHead(props: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) => {
          const c = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={c.label} scope="col" class={c.num ? 'num' : undefined}>
              {c.srOnly ? <span class="sr-only">{c.label}</span> : c.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
