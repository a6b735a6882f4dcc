import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MetricsRegistry } from '../../../src/metrics/metrics.registry';

/**
 * docker/: the Grafana dashboards and the Prometheus alert rules only query series that GET /metrics exports
 * (a renamed metric would otherwise leave an empty panel or an alert that can never fire), and the rules
 * cover what an operator must be told.
 */
const DOCKER = join(__dirname, '../../../docker');
/** Series Prometheus makes up itself, not the bot. */
const FROM_PROMETHEUS = new Set(['up']);
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings (label values, humanize templates)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery durations
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const next = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (next.startsWith('(') || PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

/** Every sample name /metrics serves: counters and gauges as typed, histograms with _bucket, _sum and _count. */
async function exportedNames(): Promise<Set<string>> {
  const text = await new MetricsRegistry().metrics();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

interface Rule {
  readonly alert?: string;
  readonly expr: string;
}

function alertRules(): Rule[] {
  const file = parseYaml(readFileSync(join(DOCKER, 'prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  };
  return file.groups.flatMap((g) => g.rules);
}

interface Panel {
  readonly id: number;
  readonly title: string;
  readonly datasource?: { readonly uid: string };
  readonly targets?: Array<{ readonly expr: string }>;
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: Panel[];
  readonly templating: { readonly list: Array<{ readonly query?: string }> };
}

function dashboards(): Dashboard[] {
  const dir = join(DOCKER, 'grafana/dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard);
}

describe('Grafana dashboards and Prometheus alert rules (docker/)', () => {
  it('should find metric names in PromQL, leaving out functions, labels and keywords', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{x="y"}[5m]))) > 0.1 and on() max(b) == 1',
      ),
    ).toEqual(['a_seconds_bucket', 'b']);
    expect(metricNames('-sum(c_usdt) > 0.8 * max(d_usdt) or vector(0)')).toEqual(['c_usdt', 'd_usdt']);
  });

  it('should only query series that GET /metrics exports', async () => {
    const exported = await exportedNames();
    const queried: Array<{ where: string; name: string }> = [];
    for (const rule of alertRules())
      for (const name of metricNames(rule.expr)) queried.push({ where: `alert ${rule.alert}`, name });
    for (const dashboard of dashboards()) {
      for (const panel of dashboard.panels)
        for (const target of panel.targets ?? [])
          for (const name of metricNames(target.expr))
            queried.push({ where: `${dashboard.uid}: ${panel.title}`, name });
      for (const variable of dashboard.templating.list)
        for (const [, name] of (variable.query ?? '').matchAll(/label_values\(\s*([a-zA-Z_:][\w:]*)/g))
          queried.push({ where: `${dashboard.uid} variable`, name });
    }
    expect(queried.length).toBeGreaterThan(50);
    const missing = queried.filter((q) => !exported.has(q.name) && !FROM_PROMETHEUS.has(q.name));
    expect(missing).toEqual([]);
  });

  it('should alert on at least: not trading, stale book, open breaker, kill switch, rejects, daily loss, lag, reconnects', () => {
    const names = alertRules().map((r) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'BotStartedButNotTrading',
        'BookStale',
        'CircuitBreakerOpen',
        'KillSwitchTripped',
        'OrderRejectsRising',
        'DailyLossNearLimit',
        'EventLoopLag',
        'ReconnectStorm',
      ]),
    );
    for (const rule of alertRules()) expect(rule.expr.length).toBeGreaterThan(0);
  });

  it('should provision both dashboards on the provisioned datasource, and the compose file should mount it all', () => {
    const boards = dashboards();
    expect(boards.map((d) => d.uid).sort()).toEqual(['scalper-system', 'scalper-trading']);
    const datasource = parseYaml(
      readFileSync(join(DOCKER, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: Array<{ uid: string; url: string }> };
    const uid = datasource.datasources[0].uid;
    for (const board of boards) {
      const ids = board.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of board.panels) expect(panel.datasource?.uid).toBe(uid);
    }
    const compose = parseYaml(readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
    };
    expect(compose.services.bot.environment?.METRICS_HOST).toBe('0.0.0.0');
    const prometheus = parseYaml(readFileSync(join(DOCKER, 'prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual([
      `bot:${compose.services.bot.environment?.METRICS_PORT}`,
    ]);
    for (const service of ['prometheus', 'grafana'])
      for (const volume of compose.services[service].volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./'))
          expect({ source, exists: existsSync(join(DOCKER, source)) }).toEqual({ source, exists: true });
      }
  });
});
