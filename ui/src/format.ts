/** Display helpers. Decimal strings from the API stay strings until shown; numbers are only for charts and sums. */
export function num(value: string | number | null | undefined): number {
  if (value === null || value === undefined || value === '') return NaN;
  return typeof value === 'number' ? value : Number(value);
}

export function fixed(value: string | number | null | undefined, digits = 2): string {
  const n = num(value);
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
}

export function signed(value: string | number | null | undefined, digits = 2): string {
  const n = num(value);
  if (!Number.isFinite(n)) return '—';
  return `${n > 0 ? '+' : ''}${fixed(n, digits)}`;
}

/**
 * A decimal string shown exactly as the API sent it (no float rounding: an operator reconciles these against the
 * exchange), padded with zeros to at least `minDigits` decimals so a column lines up, "+" on positive values.
 */
export function exact(value: string | null | undefined, minDigits = 2, sign = true): string {
  if (value === null || value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return '—';
  const [whole, fraction = ''] = value.split('.');
  const digits = fraction.padEnd(minDigits, '0');
  const text = digits ? `${whole}.${digits}` : whole;
  return sign && !text.startsWith('-') && /[1-9]/.test(text) ? `+${text}` : text;
}

export function pnlClass(value: string | number | null | undefined): string {
  const n = num(value);
  return n > 0 ? 'pos' : n < 0 ? 'neg' : '';
}

export function pct(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(digits)}%`;
}

export function time(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toISOString().slice(11, 19);
}

export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toISOString().replace('T', ' ').slice(0, 19);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** Decimals of a tick size such as "0.10" → 2. */
export function decimalsOf(step: string | undefined, fallback = 2): number {
  if (!step) return fallback;
  const dot = step.indexOf('.');
  return dot < 0 ? 0 : step.length - dot - 1;
}
