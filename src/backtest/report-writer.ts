import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reportDocument, type BacktestReport } from './backtest-report';
import { renderReportHtml, type ReportDocument } from './domain/report-html';

/**
 * Writes `report.json` and the self-contained `report.html` of a run into `outDir`. The chart library is read from
 * node_modules at generation time (its standalone build, which defines a global) and inlined, so the page needs no
 * network; that is why lightweight-charts is a runtime dependency.
 */

let library: string | undefined;

/** The standalone production build of lightweight-charts (its licence header included). */
export function chartLibraryText(): string {
  // The package's `exports` map does not list dist files, so resolve its root through package.json.
  library ??= readFileSync(
    join(
      dirname(require.resolve('lightweight-charts/package.json')),
      'dist/lightweight-charts.standalone.production.js',
    ),
    'utf8',
  );
  return library;
}

export interface WrittenReport {
  readonly json: string;
  readonly html: string;
}

export function writeReport(outDir: string, doc: ReportDocument): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'report.json');
  const html = join(outDir, 'report.html');
  atomicWrite(json, `${JSON.stringify({ title: doc.title, run: doc.runInfo, metrics: doc.metrics }, null, 2)}\n`);
  atomicWrite(html, renderReportHtml(doc, chartLibraryText()));
  return { json, html };
}

function atomicWrite(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** report.json (the whole BacktestReport, deterministic) and report.html of a backtest run into `outDir`. */
export function writeBacktestReport(outDir: string, report: BacktestReport): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'report.json');
  const html = join(outDir, 'report.html');
  atomicWrite(json, backtestReportJson(report));
  atomicWrite(html, renderBacktestHtml(report));
  return { json, html };
}

/** The exact text of report.json. */
export function backtestReportJson(report: BacktestReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The self-contained report.html of a backtest report (the API serves it too). */
export function renderBacktestHtml(report: BacktestReport): string {
  return renderReportHtml(reportDocument(report), chartLibraryText());
}
