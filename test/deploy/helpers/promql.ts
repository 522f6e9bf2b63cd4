import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Metric names: the ones the code really exports, and the ones a PromQL expression uses. Grep-based
 * on purpose: metrics are registered in constructors all over apps/ and libs/, and instantiating
 * every Nest provider just to list them would need the whole platform running.
 */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'test') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** name → metric type, for every metric created with prom-client in apps/ and libs/, plus prom-client's defaults. */
export async function exportedMetrics(repo: string): Promise<Map<string, string>> {
  const metrics = new Map<string, string>();
  for (const file of [...sourceFiles(join(repo, 'apps')), ...sourceFiles(join(repo, 'libs'))]) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes("from 'prom-client'")) continue;
    // `new Counter({ name: 'x', ...` (possibly over several lines) and helpers like `gauge('x', ...)`
    for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) metrics.set(m[2], m[1]);
    for (const m of text.matchAll(/\b(gauge|counter|histogram)\(\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) metrics.set(m[2], m[1][0].toUpperCase() + m[1].slice(1));
  }
  // collectDefaultMetrics (libs/platform) adds process_* and nodejs_*: list them from prom-client itself.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const m of await registry.getMetricsAsJSON()) metrics.set(m.name, String(m.type));
  registry.clear();
  return metrics;
}

/** Series names a metric of this type exposes (a histogram's _bucket/_sum/_count). */
export function seriesNames(metrics: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of metrics) {
    names.add(name);
    if (/histogram|summary/i.test(type)) for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless',
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'abs', 'ceil', 'floor', 'round',
  'clamp_min', 'clamp_max', 'label_values', 'label_replace', 'max_over_time', 'min_over_time', 'avg_over_time',
  'sum_over_time', 'count_over_time', 'absent', 'absent_over_time', 'changes', 'resets', 'time', 'vector', 'scalar',
]);

/** Metric names used by a PromQL expression (or a Grafana query such as label_values(metric, label)). */
export function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values, regexes
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\$\{?\w+\}?/g, ''); // Grafana variables
  const names: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name)) continue;
    names.push(name);
  }
  // label_values(metric, label): the second argument is a label, not a metric
  const labelValues = /label_values\(\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*,\s*([a-zA-Z_]\w*)\s*\)/.exec(expr);
  return [...new Set(names.filter((n) => n !== labelValues?.[1]))];
}
