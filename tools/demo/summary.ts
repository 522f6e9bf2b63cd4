/**
 * The readable summary printed at the end of the demo, as lines of text. Pure: it formats what the
 * run collected, so its look and its verdicts are unit-tested without servers.
 */
import type { Sample } from './observe.js';
import type { Json } from './platform.js';
import { kw, renderTable, taipeiClock, thin, type Column } from './text.js';

export type StepStatus = 'done' | 'skipped' | 'failed';

export interface StepResult {
  step: string;
  groupId?: string;
  status: StepStatus;
  detail: string;
}

export interface ChargerRow {
  stationId: string;
  evKw: number;
  /** The planner's allocation: charging / paused / uncontrolled, with its reason. */
  status: string;
  limitNowA: number;
  drawNowKw: number;
  limitThenA?: number;
  drawThenKw?: number;
}

export interface ComplianceRow {
  startMs: number;
  endMs: number;
  limitKw?: number;
  measuredKw?: number;
  compliant?: boolean;
}

/** Events of one row, with a shared `topic: ` prefix said once: `tomorrow: assigned, adjust sent`. */
export function joinNotes(notes: readonly string[]): string {
  const parts: string[] = [];
  let topic: string | undefined;
  for (const n of notes) {
    const m = /^([^:]+): (.*)$/.exec(n);
    if (m && m[1] === topic) parts[parts.length - 1] += `, ${m[2]}`;
    else parts.push(n);
    topic = m?.[1];
  }
  return parts.join('; ');
}

const MARK: Record<StepStatus, string> = { done: 'ok  ', skipped: 'SKIP', failed: 'FAIL' };

export function stepLines(steps: readonly StepResult[]): string[] {
  return steps.map((s) => `  [${MARK[s.status]}] ${s.step}${s.groupId ? ` (${s.groupId})` : ''}: ${s.detail}`);
}

/** Tolerance for the draw against the limit: the simulators' float sums and the 0.1 A grid. */
export const TOLERANCE_KW = 0.05;

export function over(s: Sample): boolean {
  return s.limitKw !== undefined && s.drawKw > s.limitKw + TOLERANCE_KW;
}

/** Measured rows equal to the previous one (limit, source, power to 0.1 kW, counts) and without an event. */
function same(a: Sample, b: Sample): boolean {
  const r = (v: number | undefined) => (v === undefined ? '' : v.toFixed(1));
  return a.source === b.source && r(a.limitKw) === r(b.limitKw) && r(a.drawKw) === r(b.drawKw) && r(a.meteredKw) === r(b.meteredKw) && a.charging === b.charging && a.paused === b.paused;
}

/**
 * Runs of unchanged measured rows collapse into their first row, which then says until when it
 * held; rows with an event or over the limit always stay.
 */
export function collapse(samples: readonly Sample[]): Sample[] {
  const rows: Sample[] = [];
  for (const s of samples) {
    const last = rows[rows.length - 1];
    if (last && s.kind === 'measured' && last.kind === 'measured' && !s.note && !over(s) && same(last, s)) {
      rows[rows.length - 1] = { ...last, unchangedUntilMs: s.atMs };
    } else rows.push({ ...s });
  }
  return rows;
}

/** The group's power over time: measured rows (collapsed, thinned, events kept), then the scheduled future rows. */
export function powerTable(samples: readonly Sample[], settledFromMs = Number.NEGATIVE_INFINITY, maxRows = 12): string[] {
  const measured = thin(
    collapse(samples.filter((s) => s.kind === 'measured')),
    maxRows,
    (s) => !!s.note || over(s),
  );
  const rows = [...measured, ...samples.filter((s) => s.kind === 'scheduled')];
  // Before the first plans reach the chargers they draw what they like: shown, but not judged.
  const overText = (s: Sample) => (!over(s) ? '' : s.kind === 'measured' && s.atMs < settledFromMs ? 'above the limit before the first plans (start-up)' : 'OVER LIMIT');
  const event = (s: Sample) => [overText(s), s.note ?? '', s.unchangedUntilMs ? `unchanged until ${taipeiClock(s.unchangedUntilMs)}` : ''].filter(Boolean).join('; ');
  const columns: Column<Sample>[] = [
    { header: 'time (Taipei)', value: (s) => `${taipeiClock(s.atMs)}${s.kind === 'scheduled' ? ' *' : ''}` },
    { header: 'limit kW', value: (s) => kw(s.limitKw), align: 'right' },
    { header: 'source', value: (s) => s.source ?? '–' },
    { header: 'chargers kW', value: (s) => kw(s.drawKw), align: 'right' },
    { header: 'metered kW', value: (s) => kw(s.meteredKw), align: 'right' },
    { header: 'charging/paused', value: (s) => `${s.charging}/${s.paused}`, align: 'right' },
    { header: 'event', value: event },
  ];
  return renderTable(columns, rows);
}

export function chargerTable(rows: readonly ChargerRow[], thenLabel?: string): string[] {
  const columns: Column<ChargerRow>[] = [
    { header: 'charger', value: (r) => r.stationId },
    { header: 'EV kW', value: (r) => (r.evKw > 0 ? String(r.evKw) : '–'), align: 'right' },
    { header: 'allocation', value: (r) => r.status },
    { header: 'limit now A', value: (r) => kw(r.limitNowA), align: 'right' },
    { header: 'draw now kW', value: (r) => kw(r.drawNowKw), align: 'right' },
  ];
  if (thenLabel) {
    columns.push(
      { header: `limit ${thenLabel} A`, value: (r) => kw(r.limitThenA), align: 'right' },
      { header: `draw ${thenLabel} kW`, value: (r) => kw(r.drawThenKw), align: 'right' },
    );
  }
  return renderTable(columns, rows);
}

/** One Taipei hour of tomorrow: what ELMO assigned, what we asked, what it granted, and what the planner holds. */
export interface TomorrowHour {
  hour: number;
  assignedKw?: number;
  requestedKw?: number;
  grantedKw?: number;
  limitKw?: number;
  source?: string;
}

/** Tomorrow as hour ranges (consecutive equal hours merged): where the reply replaced the assignment shows. */
export function tomorrowTable(hours: readonly TomorrowHour[]): string[] {
  const key = (h: TomorrowHour) => [h.assignedKw, h.requestedKw, h.grantedKw, h.limitKw, h.source].join('|');
  const ranges: { from: number; to: number; h: TomorrowHour }[] = [];
  for (const h of hours) {
    const last = ranges[ranges.length - 1];
    if (last && last.to === h.hour && key(last.h) === key(h)) last.to = h.hour + 1;
    else ranges.push({ from: h.hour, to: h.hour + 1, h });
  }
  const hh = (n: number) => `${String(n).padStart(2, '0')}:00`;
  return renderTable<(typeof ranges)[number]>(
    [
      { header: 'hours (Taipei)', value: (r) => `${hh(r.from)}–${hh(r.to)}` },
      { header: 'assigned kW', value: (r) => kw(r.h.assignedKw), align: 'right' },
      { header: 'requested kW', value: (r) => kw(r.h.requestedKw), align: 'right' },
      { header: 'granted kW', value: (r) => kw(r.h.grantedKw), align: 'right' },
      { header: 'planner limit kW', value: (r) => kw(r.h.limitKw), align: 'right' },
      { header: 'source', value: (r) => r.h.source ?? '–' },
    ],
    ranges,
  );
}

export function complianceTable(rows: readonly ComplianceRow[]): string[] {
  return renderTable<ComplianceRow>(
    [
      { header: 'window (Taipei)', value: (r) => `${taipeiClock(r.startMs).slice(0, 5)}–${taipeiClock(r.endMs).slice(0, 5)}` },
      { header: 'limit kW', value: (r) => kw(r.limitKw), align: 'right' },
      { header: 'average kW', value: (r) => kw(r.measuredKw), align: 'right' },
      { header: 'result', value: (r) => (r.compliant === undefined ? '–' : r.compliant ? 'compliant' : 'EXCEEDED') },
    ],
    rows,
  );
}

const num = (v: unknown): number | undefined => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v));
const ms = (v: unknown): number | undefined => (typeof v === 'string' || typeof v === 'number' ? (Number.isFinite(Date.parse(String(v))) ? Date.parse(String(v)) : undefined) : undefined);

/**
 * Windows from the planner's compliance report. The report is newer than this demo, so the field
 * names are read tolerantly (start/end or windowStart/windowEnd, limitKw, measured/average kW,
 * compliant or a status); rows without a start are left out.
 */
export function complianceRowsFrom(body: Json): ComplianceRow[] {
  const windows: Json[] = Array.isArray(body) ? body : Array.isArray(body?.windows) ? body.windows : Array.isArray(body?.intervals) ? body.intervals : [];
  const rows: ComplianceRow[] = [];
  for (const w of windows) {
    const startMs = ms(w.start ?? w.windowStart ?? w.from ?? w.startTime);
    if (startMs === undefined) continue;
    const endMs = ms(w.end ?? w.windowEnd ?? w.to ?? w.endTime) ?? startMs;
    const status = typeof w.status === 'string' ? w.status.toLowerCase() : undefined;
    const compliant = typeof w.compliant === 'boolean' ? w.compliant : status ? ['ok', 'compliant', 'met'].includes(status) : undefined;
    rows.push({
      startMs,
      endMs,
      limitKw: num(w.limitKw ?? w.allowedKw ?? w.limit_kw),
      measuredKw: num(w.measuredKw ?? w.averageKw ?? w.avgKw ?? w.actualKw),
      compliant,
    });
  }
  return rows.sort((a, b) => a.startMs - b.startMs);
}

export interface Verdict {
  ok: boolean;
  problems: string[];
}

/**
 * What makes the run a failure: a step that should have worked and did not, the chargers drawing
 * more than the limit once settled, or their schedules exceeding an emergency at its start.
 */
export function verdict(steps: readonly StepResult[], samples: readonly Sample[], settledFromMs: number): Verdict {
  const problems = steps.filter((s) => s.status === 'failed').map((s) => `${s.step}${s.groupId ? ` (${s.groupId})` : ''} failed: ${s.detail}`);
  for (const s of samples) {
    if ((s.kind === 'scheduled' || s.atMs >= settledFromMs) && over(s)) {
      problems.push(`${s.groupId} at ${taipeiClock(s.atMs)}${s.kind === 'scheduled' ? ' (scheduled)' : ''}: chargers ${kw(s.drawKw)} kW > limit ${kw(s.limitKw)} kW`);
    }
  }
  return { ok: problems.length === 0, problems };
}
