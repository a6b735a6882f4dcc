import { resolve } from 'node:path';
import { recordingFilterFrom } from './domain/recording';

/** The options every backtest command line takes, a single run and a sweep alike (node:util parseArgs). */
export const RUN_ARGUMENTS = {
  data: { type: 'string' },
  out: { type: 'string' },
  symbols: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  set: { type: 'string', multiple: true },
  seed: { type: 'string' },
} as const;

export interface RunArgumentValues {
  readonly data?: string;
  readonly out?: string;
  readonly symbols?: string;
  readonly from?: string;
  readonly to?: string;
  readonly set?: readonly string[];
}

export interface RunArguments {
  readonly dataPath: string;
  readonly outDir: string;
  readonly symbols?: string[];
  readonly fromMs?: number;
  readonly toMs?: number;
  /** `--set KEY=VALUE`, in order (a later one of the same key wins). */
  readonly overrides: Record<string, string>;
}

/** The shared options read and checked; `usageError` builds the command's own error for a bad one. */
export function runArgumentsFrom(values: RunArgumentValues, usageError: (message: string) => Error): RunArguments {
  if (!values.data) throw usageError('--data <file|dir> is required');
  if (!values.out) throw usageError('--out <dir> is required');
  const overrides: Record<string, string> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--set takes KEY=VALUE, got ${JSON.stringify(pair)}`);
    overrides[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  const filter = recordingFilterFrom({ symbols: values.symbols, from: values.from, to: values.to });
  return {
    dataPath: resolve(values.data),
    outDir: resolve(values.out),
    symbols: filter.symbols ? [...filter.symbols] : undefined,
    fromMs: filter.fromMs,
    toMs: filter.toMs,
    overrides,
  };
}
