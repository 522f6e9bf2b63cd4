import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateResource } from './helpers/k8s-schema.js';
import { K8S_DIR, render, type Resource } from './helpers/kustomize.js';
import { find, platformRoutes, REPO, SERVICE_NAMES } from './helpers/platform.js';
import { exportedMetrics, metricsIn, seriesNames } from './helpers/promql.js';

// Dashboards and alert rules may only use metrics the services really export: a renamed metric
// must break this test, not silently blank a panel or disarm an alert.

type Obj = Record<string, unknown>;
/** Series Prometheus itself creates for every target. */
const PROMETHEUS_SERIES = new Set(['up']);
const DASHBOARDS = join(K8S_DIR, 'monitoring/dashboards');
const monitoring = render(join(K8S_DIR, 'monitoring'));
const rules = find(monitoring, 'PrometheusRule', 'cpo-platform');
const alerts = ((rules.spec as Obj).groups as { name: string; rules: { alert: string; expr: string; labels: Obj; annotations: Obj }[] }[]).flatMap((g) => g.rules);
const dashboards = readdirSync(DASHBOARDS).map((f) => ({ file: f, json: JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Obj }));

function panelQueries(dashboard: Obj): { panel: string; expr: string }[] {
  const panels = (dashboard.panels as Obj[]).flatMap((p) => [p, ...((p.panels as Obj[]) ?? [])]);
  const fromPanels = panels.flatMap((p) => ((p.targets as Obj[]) ?? []).map((t) => ({ panel: String(p.title), expr: String(t.expr) })));
  const fromVariables = ((dashboard.templating as { list: Obj[] }).list ?? []).filter((v) => v.type === 'query').map((v) => ({ panel: `variable ${String(v.name)}`, expr: String(v.definition) }));
  return [...fromPanels, ...fromVariables];
}

let known: Set<string>;
beforeAll(async () => {
  known = seriesNames(await exportedMetrics(REPO));
});

describe('metric names', () => {
  it('are found in the code (sanity of the grep: metrics of each service and library)', () => {
    for (const m of ['http_requests_total', 'ocpp_connected_stations', 'planner_round_limit_watts', 'planner_compliance_window_status', 'oscp_forecasts_received_total', 'rems_frames_ingested_total', 'ocpi_broadcast_pushes_total', 'bus_dead_letters_total', 'bus_consumer_pending', 'ocpp_inbound_call_duration_seconds_bucket', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(known).toContain(m);
    }
    expect(known).not.toContain('ocpp_connected_stations_bucket');
  });

  it('are read from PromQL without functions, labels or keywords', () => {
    expect(metricsIn('histogram_quantile(0.95, sum by (le, action) (rate(a_bucket{x=~"y|z"}[5m]))) > 1 and b offset 30m')).toEqual(['a_bucket', 'b']);
    expect(metricsIn('max by (group) (c{group=~"$group"}) > 1.05 * max by (group) (d)')).toEqual(['c', 'd']);
    expect(metricsIn('label_values(planner_round_limit_watts, group)')).toEqual(['planner_round_limit_watts']);
  });
});

describe('alert rules', () => {
  it('validate as a PrometheusRule', () => {
    expect(validateResource(rules)).toEqual([]);
  });

  it('use only metrics the services export', () => {
    const unknown = alerts.flatMap((a) => metricsIn(a.expr).filter((m) => !known.has(m) && !PROMETHEUS_SERIES.has(m)).map((m) => `${a.alert}: ${m}`));
    expect(unknown).toEqual([]);
  });

  it('cover what operators must act on, with a severity and a summary each', () => {
    const used = new Set(alerts.flatMap((a) => metricsIn(a.expr)));
    for (const m of ['ocpp_connected_stations', 'ocpp_outbound_calls_total', 'planner_group_measured_power_watts', 'planner_compliance_windows_total', 'oscp_missed_messages_total', 'oscp_outbound_total', 'ocpi_broadcast_pushes_total', 'rems_frames_ingested_total', 'rems_messages_rejected_total', 'bus_dead_letters_total', 'bus_consumer_pending', 'bus_events_consumed_total', 'ocpi_outbound_requests_total', 'rems_mqtt_connected']) {
      expect(used).toContain(m);
    }
    for (const a of alerts) {
      expect(['critical', 'warning']).toContain(a.labels.severity);
      expect(a.annotations.summary).toEqual(expect.any(String));
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it('page on losses no other alert sees: parked outbox events (not in bus_outbox_pending) and chargers not obeying grid limits', () => {
    const parked = alerts.filter((a) => metricsIn(a.expr).includes('bus_outbox_parked_total'));
    expect(parked.map((a) => a.alert)).toEqual(['BusOutboxParked']);
    const notObeyed = alerts.find((a) => a.alert === 'OcppChargingProfilesNotObeyed');
    expect(notObeyed?.expr).toContain('ocpp_charging_profile_verifications_total{outcome="exceeded"}');
  });

  it('count renewed leases as charging profiles that work, not as failures', () => {
    const failing = alerts.find((a) => a.alert === 'OcppChargingProfilesFailing')!;
    expect(failing.expr).toContain('outcome!~"applied|renewed"');
  });

  it('are each explained in docs/operations.md', () => {
    const guide = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
    expect(alerts.map((a) => a.alert).filter((name) => !guide.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('Grafana dashboards', () => {
  it.each(dashboards.map((d) => [d.file, d.json] as const))('%s uses only metrics the services export, through the datasource variable', (_file, dashboard) => {
    const queries = panelQueries(dashboard);
    expect(queries.length).toBeGreaterThan(3);
    expect(queries.flatMap((q) => metricsIn(q.expr).filter((m) => !known.has(m) && !PROMETHEUS_SERIES.has(m)).map((m) => `${q.panel}: ${m}`))).toEqual([]);
    const datasources = JSON.stringify(dashboard).match(/"uid":\s*"[^"]*"/g) ?? [];
    expect(datasources.filter((d) => !d.includes('${datasource}') && !d.includes(String(dashboard.uid)))).toEqual([]);
  });

  it('show what operators watch (issue 9): chargers, CALLs, limits vs power, compliance, forecasts, partner failures, ingest, bus', () => {
    const shown = new Set(dashboards.flatMap((d) => panelQueries(d.json).flatMap((q) => metricsIn(q.expr))));
    const watched = [
      'ocpp_connected_stations', 'ocpp_inbound_calls_total', 'ocpp_inbound_call_duration_seconds_bucket', 'ocpp_outbound_calls_total',
      'planner_round_limit_watts', 'planner_group_measured_power_watts', 'planner_compliance_window_status',
      'oscp_forecasts_received_total', 'oscp_missed_messages_total', 'oscp_outbound_total',
      'ocpi_outbound_requests_total', 'ocpi_outbound_request_duration_seconds_bucket',
      'rems_frames_ingested_total', 'rems_messages_rejected_total', 'rems_mqtt_connected', 'bus_consumer_pending', 'bus_dead_letters_total',
    ];
    expect(watched.filter((m) => !shown.has(m))).toEqual([]);
  });

  it('have unique uids and panel ids, and ship as labelled ConfigMaps and in docker compose', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { json } of dashboards) {
      const ids = (json.panels as Obj[]).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const configMaps = monitoring.filter((r) => r.kind === 'ConfigMap');
    const shipped = configMaps.flatMap((c) => Object.keys(c.data as Obj));
    expect(shipped.sort()).toEqual(dashboards.map((d) => d.file).sort());
    for (const c of configMaps) expect(c.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')).toContain('./deploy/k8s/monitoring/dashboards:/var/lib/grafana/dashboards');
  });
});

describe('scraping', () => {
  it('the ServiceMonitor selects the five Services on their http port and the real metrics path', () => {
    const monitor = find(monitoring, 'ServiceMonitor', 'cpo-platform');
    const prod = render(join(K8S_DIR, 'overlays/prod'));
    const [expression] = ((monitor.spec as Obj).selector as { matchExpressions: { key: string; values: string[] }[] }).matchExpressions;
    const selected = prod.filter((r: Resource) => r.kind === 'Service' && expression.values.includes(String(r.metadata.labels?.[expression.key])));
    expect(selected.map((s) => s.metadata.name).sort()).toEqual([...SERVICE_NAMES].sort());
    const [endpoint] = (monitor.spec as { endpoints: Obj[] }).endpoints;
    expect(endpoint).toMatchObject({ port: 'http', path: '/metrics', honorLabels: true });
    expect(platformRoutes()).toContain(endpoint.path);
    expect(prod.some((r) => r.kind === 'ServiceMonitor')).toBe(true);
  });

  it('the compose Prometheus scrapes each service on the port it listens on', () => {
    const config = parse(readFileSync(join(REPO, 'deploy/compose/prometheus.yml'), 'utf8')) as { scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const compose = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
    const [job] = config.scrape_configs;
    expect(platformRoutes()).toContain(job.metrics_path);
    for (const target of job.static_configs.flatMap((s) => s.targets)) {
      const [host, port] = target.split(':');
      expect(compose).toMatch(new RegExp(`${host}:[\\s\\S]*?HTTP_PORT: "${port}"`));
    }
    expect(job.static_configs.flatMap((s) => s.targets).map((t) => t.split(':')[0]).sort()).toEqual([...SERVICE_NAMES].sort());
  });
});
