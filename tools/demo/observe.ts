/**
 * Watches the site while the day is played: every few seconds, per group, the effective limit the
 * planner holds for that instant (its timeline, with the source), what the simulated chargers draw,
 * and what the planner measured from their meter values. Events are noted on the next sample.
 */
import { drawKw, scheduledKw, type DemoFleet } from './fleet.js';
import { ok, type Json } from './platform.js';
import { joinNotes } from './summary.js';

export interface Sample {
  atMs: number;
  groupId: string;
  /** `measured`: sampled now; `scheduled`: a future instant, from the chargers' own schedules. */
  kind: 'measured' | 'scheduled';
  limitKw?: number;
  source?: string;
  /** The simulated chargers' draw (kW). */
  drawKw: number;
  /** Sum of the planner's per-connector power from meter values (kW), for measured samples. */
  meteredKw?: number;
  charging: number;
  paused: number;
  note?: string;
  /** Set on a displayed row that stands for the unchanged rows after it, up to this instant. */
  unchangedUntilMs?: number;
}

export interface Segment {
  start: string;
  end: string;
  limitKw: number;
  source: string;
  requestId?: string;
}

export async function timeline(planner: string, groupId: string, fromMs: number, toMs: number): Promise<Segment[]> {
  const body = await ok(planner, 'GET', `/api/v1/groups/${encodeURIComponent(groupId)}/timeline?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`);
  return body.segments as Segment[];
}

export const segmentAt = (segments: readonly Segment[], atMs: number): Segment | undefined => segments.find((s) => Date.parse(s.start) <= atMs && atMs < Date.parse(s.end));

export async function allocation(planner: string, groupId: string): Promise<{ round: Json; connectors: Json[] }> {
  return ok(planner, 'GET', `/api/v1/groups/${encodeURIComponent(groupId)}/allocation`);
}

export class Observer {
  readonly samples: Sample[] = [];
  private notes = new Map<string, string[]>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  /** Sampling errors are counted, not fatal: a slow answer on a loaded machine skips one row. */
  errors = 0;

  constructor(
    private readonly planner: string,
    private readonly fleet: DemoFleet,
    private readonly groupIds: readonly string[],
  ) {}

  /** Marks an event on the next sample of `groupId` (or of every group). */
  note(text: string, groupId?: string): void {
    for (const g of groupId ? [groupId] : this.groupIds) this.notes.set(g, [...(this.notes.get(g) ?? []), text]);
  }

  start(everyS: number): void {
    this.timer = setInterval(() => void this.sample(), everyS * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.fleet.refresh();
      const atMs = Date.now();
      await Promise.all(this.groupIds.map((g) => this.sampleGroup(g, atMs)));
    } catch {
      this.errors += 1;
    } finally {
      this.busy = false;
    }
  }

  private async sampleGroup(groupId: string, atMs: number): Promise<void> {
    const chargers = this.fleet.of(groupId);
    const drawn = chargers.reduce((s, c) => s + drawKw(c), 0);
    const [segments, view] = await Promise.all([timeline(this.planner, groupId, atMs, atMs + 60_000), allocation(this.planner, groupId)]);
    const segment = segmentAt(segments, atMs);
    const connectors = view.connectors ?? [];
    const note = this.notes.get(groupId);
    this.notes.delete(groupId);
    this.samples.push({
      atMs,
      groupId,
      kind: 'measured',
      limitKw: segment?.limitKw,
      source: segment?.source,
      drawKw: drawn,
      meteredKw: connectors.reduce((s: number, c: Json) => s + (Number(c.measuredKw) || 0), 0),
      charging: connectors.filter((c: Json) => c.status === 'charging').length,
      paused: connectors.filter((c: Json) => c.status === 'paused').length,
      note: note ? joinNotes(note) : undefined,
    });
  }

  /** Rows for future instants: the limit the planner holds then and what the chargers' schedules will let them draw. */
  async project(groupId: string, instants: { atMs: number; note: string }[]): Promise<Sample[]> {
    if (instants.length === 0) return [];
    const times = instants.map((i) => i.atMs);
    const segments = await timeline(this.planner, groupId, Math.min(...times), Math.max(...times) + 1000);
    const chargers = this.fleet.of(groupId);
    return instants.map(({ atMs, note }) => {
      const segment = segmentAt(segments, atMs);
      const draws = chargers.map((c) => scheduledKw(c, new Date(atMs)));
      return {
        atMs,
        groupId,
        kind: 'scheduled' as const,
        limitKw: segment?.limitKw,
        source: segment?.source,
        drawKw: draws.reduce((a, b) => a + b, 0),
        charging: draws.filter((d) => d > 0).length,
        paused: chargers.filter((c) => c.evKw > 0).length - draws.filter((d) => d > 0).length,
        note,
      };
    });
  }
}
