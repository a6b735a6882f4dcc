import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { dateTime } from '../format';
import type { AuditPage } from '../types';
import { Badge, Card, Empty, ErrorNote, Pager, usePoll, TableHead } from '../ui';

const PAGE = 50;
const ENTITY_TYPES = [
  'order',
  'position',
  'risk',
  'bot',
  'auth',
  'config',
  'reconciliation',
  'circuit_breaker',
  'symbol',
];

/** GET /audit with its filters; a trace id links to every row of that trace (#/audit/<trace id>). */
export function AuditScreen(props: { traceId?: string }) {
  const [entityType, setEntityType] = useState('');
  const [action, setAction] = useState('');
  const [traceId, setTraceId] = useState(props.traceId ?? '');
  const [failedOnly, setFailedOnly] = useState(false);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    setTraceId(props.traceId ?? '');
    setOffset(0);
  }, [props.traceId]);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (entityType) query.set('entityType', entityType);
  if (action) query.set('action', action.trim().toUpperCase());
  if (traceId) query.set('traceId', traceId.trim());
  if (failedOnly) query.set('success', 'false');
  const audit = usePoll<AuditPage>(`/audit?${query.toString()}`, 10_000);
  const page = audit.data;
  const change = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLInputElement).value);
    setOffset(0);
  };
  return (
    <div class="screen">
      <h1 class="screen-title">Audit log</h1>
      <form class="filters" aria-label="Audit filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Entity
          <select value={entityType} onChange={change(setEntityType)}>
            <option value="">all</option>
            {ENTITY_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <input value={action} onChange={change(setAction)} placeholder="e.g. ORDER_FILL" />
        </label>
        <label>
          Trace id
          <input value={traceId} onChange={change(setTraceId)} placeholder="32 hex" class="mono" />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={failedOnly}
            onChange={(e) => {
              setFailedOnly((e.target as HTMLInputElement).checked);
              setOffset(0);
            }}
          />
          failures only
        </label>
        {traceId && (
          <a class="btn btn-sm" href="#/audit">
            Clear trace
          </a>
        )}
      </form>
      <Card title="Entries">
        <ErrorNote error={audit.error} />
        {page && page.items.length === 0 && <Empty>No audit entries match.</Empty>}
        {page && page.items.length > 0 && (
          <div class="table-wrap">
            <table class="table" data-testid="audit-table">
              <TableHead
                columns={[
                  'Time (UTC)',
                  'Action',
                  'Entity',
                  'Actor',
                  'Reason',
                  'Trace',
                  { label: 'Details', srOnly: true },
                ]}
              />
              <tbody>
                {page.items.map((row) => (
                  <Fragment key={row.id}>
                    <tr>
                      <td class="mono">{dateTime(row.timestamp)}</td>
                      <td>
                        <Badge tone={row.success ? 'info' : 'bad'}>{row.action}</Badge>
                      </td>
                      <td>
                        {row.entityType}
                        {row.entityId && <span class="muted mono small"> {row.entityId.slice(0, 12)}</span>}
                      </td>
                      <td>{row.actor}</td>
                      <td class="small">{row.errorMessage ?? row.reason ?? '—'}</td>
                      <td>
                        {row.traceId ? (
                          <a class="mono small" href={`#/audit/${row.traceId}`} title="All entries of this trace">
                            …{row.traceId.slice(-10)}
                          </a>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>
                        <button
                          type="button"
                          class="btn btn-sm btn-ghost"
                          aria-expanded={open === row.id}
                          onClick={() => setOpen(open === row.id ? null : row.id)}
                        >
                          {open === row.id ? 'Hide' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open === row.id && (
                      <tr class="history-row">
                        <td colSpan={7}>
                          <pre class="json">{JSON.stringify({ old: row.oldValue, new: row.newValue }, null, 2)}</pre>
                        </td>
                      </tr>
                    )}
                  </Fragment>
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
