import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsService } from '@cpo/platform';
import { Registry } from 'prom-client';
import { OcppMetrics } from './ocpp-metrics.js';

/**
 * Every `event` value the connection code counts under ocpp_connection_events_total, read from its
 * sources: the literals passed as `event` to the counter, to a `refuse(…)` or in an Admission.
 */
function connectionEventsUsed(): Set<string> {
  const dir = join(process.cwd(), 'apps/ocpp/src/connection');
  const used = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.includes('spec'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (/^\s*(\*|\/\/)/.test(line) || !/connectionEvents\.inc|refuse\(|\bevent\b\s*(:|\?\?)/.test(line)) continue;
      // Labels are snake_case words; a reason ('internal error') or header value is not.
      for (const m of line.matchAll(/'([a-z_]+)'/g)) used.add(m[1]!);
    }
  }
  return used;
}

describe('ocpp_connection_events_total', () => {
  it("lists every event value the code counts in its help (an operator's only reference for them)", async () => {
    const registry = new Registry();
    new OcppMetrics({ registry } as unknown as MetricsService);
    const help = (await registry.getSingleMetric('ocpp_connection_events_total')!.get()).help;
    const used = connectionEventsUsed();
    // The scan itself finds them (it would pass vacuously if the code changed shape).
    expect([...used]).toEqual(expect.arrayContaining(['accepted', 'closed', 'replaced', 'busy', 'error', 'draining']));
    const listed = new Set(help.match(/\(([^)]*)\)/)![1]!.split(/,\s*/).map((v) => v.split(':')[0]!.trim()));
    expect([...used].filter((v) => !listed.has(v))).toEqual([]);
  });
});
