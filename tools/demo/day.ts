/**
 * ELMO's day, played back to back at the current time: the day-ahead assignment for tomorrow, our
 * adjust request, ELMO's reply, and an emergency for today. Each step checks what the platform did
 * with it (oscp's classification, the testbed's negotiation state) and reports `done`, `skipped`
 * (with the rule that forbids it now) or `failed`: nothing is faked.
 */
import { classification, negotiation, trigger, type ElmoLink } from './elmo.js';
import { call, messageOf, ok, sleep, type Json } from './platform.js';
import type { GroupPlan } from './options.js';
import type { StepResult } from './summary.js';

// --- when ------------------------------------------------------------------------------------

/*
 * Which of ELMO's daily steps the demo may play *now*. The platform runs on the wall clock, so the
 * day is "accelerated" by playing its steps back to back at the current time, which is legitimate
 * only where the oscp service's own rules allow it (docs/oscp.md, guide §7.3):
 *
 * - the assignment and the reply are 24 hourly blocks for *tomorrow* (Taipei): accepted at any
 *   time; a reply is classified as such only after our adjust request was accepted;
 * - the adjust request is refused from `OSCP_ADJUST_CUTOFF` (14:00 Taipei) on, so from then until
 *   midnight the adjust, and therefore the reply, cannot happen;
 * - an emergency is accepted at any time and starts on the first quarter-hour ≥ 15 min ahead.
 *
 * Pure: the caller gives the instant, so the edges (13:59 vs 14:00, midnight) are unit-tested.
 */

const TAIPEI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;
const QUARTER_MS = 15 * MINUTE_MS;

/** Minutes the day-ahead steps need without crossing Taipei midnight ("tomorrow" must not change under them). */
export const DAY_AHEAD_GUARD_MIN = 10;

export interface DayWindows {
  /** Minutes since Taipei midnight. */
  minuteOfDay: number;
  /** Tomorrow, Taipei (`YYYY-MM-DD`). */
  tomorrow: string;
  dayAhead: { ok: true } | { ok: false; why: string };
  adjust: { ok: true; minutesLeft: number } | { ok: false; why: string };
  /** When an emergency triggered now would start (ELMO's rule). */
  emergencyStartMs: number;
}

export function parseHhmm(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`expected HH:MM, got ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export function dayWindows(nowMs: number, adjustCutoff = '14:00'): DayWindows {
  const local = nowMs + TAIPEI_OFFSET_MS;
  const minuteOfDay = Math.floor((local % DAY_MS) / MINUTE_MS);
  const tomorrow = new Date(Math.floor(local / DAY_MS) * DAY_MS + DAY_MS).toISOString().slice(0, 10);
  const toMidnight = 24 * 60 - minuteOfDay;
  const dayAhead: DayWindows['dayAhead'] =
    toMidnight <= DAY_AHEAD_GUARD_MIN
      ? { ok: false, why: `it is ${hhmm(minuteOfDay)} in Taipei: "tomorrow" changes at midnight while the day-ahead steps run; run the demo after 00:00 Taipei` }
      : { ok: true };
  const cutoff = parseHhmm(adjustCutoff);
  const adjust: DayWindows['adjust'] = !dayAhead.ok
    ? { ok: false, why: dayAhead.why }
    : minuteOfDay >= cutoff
      ? {
          ok: false,
          why: `it is ${hhmm(minuteOfDay)} in Taipei: ELMO accepts an adjust request only before ${adjustCutoff} Asia/Taipei (it opens again at 00:00 Taipei, i.e. ${utcOf(0)}–${utcOf(cutoff)} UTC)`,
        }
      : { ok: true, minutesLeft: cutoff - minuteOfDay };
  return { minuteOfDay, tomorrow, dayAhead, adjust, emergencyStartMs: Math.ceil((nowMs + QUARTER_MS) / QUARTER_MS) * QUARTER_MS };
}

/** A Taipei time of day in UTC, `HH:MM`. */
function utcOf(taipeiMinute: number): string {
  return hhmm((((taipeiMinute - 8 * 60) % (24 * 60)) + 24 * 60) % (24 * 60));
}

// --- the steps ---------------------------------------------------------------------------------

const list = (kw: readonly number[]) => {
  const distinct = [...new Set(kw)];
  return distinct.length === 1 ? `${distinct[0]} kW every hour` : `${Math.min(...kw)}–${Math.max(...kw)} kW by hour`;
};

/** Waits for oscp to classify the forecast, and checks the kind is the expected one. */
async function classified(link: ElmoLink, g: GroupPlan, requestId: string | undefined, expected: string): Promise<{ ok: boolean; text: string }> {
  for (let i = 0; i < 20; i++) {
    const c = await classification(link, g.groupId, requestId);
    if (c) return { ok: c.kind === expected && !c.late, text: `oscp classified it ${c.kind}${c.day ? ` for ${c.day}` : ''}${c.late ? ' (late)' : ''}` };
    await sleep(250);
  }
  return { ok: false, text: 'oscp stored no forecast with that request id' };
}

export async function assignment(link: ElmoLink, g: GroupPlan, w: DayWindows): Promise<StepResult> {
  const step = 'day-ahead assignment (ELMO 10:00)';
  if (!w.dayAhead.ok) return { step, groupId: g.groupId, status: 'skipped', detail: w.dayAhead.why };
  const sent = await trigger(link, g.groupId, 'negotiation_assign_capacity', { hourly: g.assignedKw });
  if (sent.status !== 204) return { step, groupId: g.groupId, status: 'failed', detail: `oscp answered ${sent.status} ${sent.error ?? ''}` };
  const c = await classified(link, g, sent.requestId, 'day_ahead_assignment');
  return { step, groupId: g.groupId, status: c.ok ? 'done' : 'failed', detail: `${list(g.assignedKw)} for ${w.tomorrow}; ${c.text}` };
}

/**
 * Our request for more capacity tomorrow. First the planner's own decision (POST adjust-requests:
 * it forecasts tomorrow from the group's demand history and, where the assignment falls short,
 * publishes `capacity.adjust.requested`, which oscp sends). A group created for this run has no
 * history, so the planner usually finds nothing to ask; then the operator asks through oscp's
 * route (same ELMO rules), as an operator who knows about tomorrow's evening fleet would.
 */
export async function adjust(link: ElmoLink, planner: string, g: GroupPlan, w: DayWindows, assigned: boolean): Promise<StepResult> {
  const step = 'adjust request (before 14:00)';
  const result = (status: StepResult['status'], detail: string): StepResult => ({ step, groupId: g.groupId, status, detail });
  if (!w.adjust.ok) return result('skipped', w.adjust.why);
  if (!assigned) return result('skipped', 'no assignment for tomorrow: ELMO accepts no adjust without one');
  const decision = await call(planner, 'POST', `/api/v1/groups/${encodeURIComponent(g.groupId)}/adjust-requests`);
  let plannerSays: string;
  if (decision.status === 200 && decision.body?.request && decision.body?.recorded) {
    return delivered(link, g, w, `the planner decided: ${decision.body.reason}; planner → capacity.adjust.requested → oscp`, result);
  } else if (decision.status === 200) plannerSays = `the planner's decision from its demand history: ${decision.body?.reason ?? 'no request'}`;
  else if (decision.status === 404 && /Cannot POST/i.test(messageOf(decision.body))) plannerSays = 'this planner has no adjust-requests API';
  else plannerSays = `the planner answered ${decision.status}: ${messageOf(decision.body)}`;
  if (!g.requestKw) return result('done', `${plannerSays}; the assignment stands (ELMO closes the negotiation at 14:05)`);
  const r = await call(link.oscp, 'POST', `/api/v1/oscp/partners/${link.partnerId}/groups/${encodeURIComponent(g.groupId)}/adjust`, { kw: g.requestKw, reason: 'demo: evening peak needs the contract capacity' });
  // The running oscp may have another cut-off than the one assumed here: its refusal is the rule speaking.
  if (r.status === 400 && /before .*Asia\/Taipei/.test(messageOf(r.body))) return result('skipped', `${plannerSays}; oscp: ${messageOf(r.body)}`);
  if (r.status >= 300) return result('failed', `${plannerSays}; oscp refused the operator's request: ${r.status} ${messageOf(r.body)}`);
  return delivered(link, g, w, `${plannerSays}; the operator asks ${list(g.requestKw)} through oscp's operator route`, result);
}

/** Waits until oscp delivered the adjust to ELMO and reports ELMO's answer and negotiation state. */
async function delivered(link: ElmoLink, g: GroupPlan, w: DayWindows, via: string, result: (status: StepResult['status'], detail: string) => StepResult): Promise<StepResult> {
  const row = await deliveredAdjust(link, g.groupId);
  if (!row) return result('failed', `${via}; not delivered to the testbed within 30 s`);
  if (row.status !== 'sent') return result('failed', `${via}; ELMO answered ${row.responseStatus ?? row.error}: ${row.responseBody ?? ''}`);
  const n = await negotiation(link, g.groupId, w.tomorrow);
  const kept: number[] | undefined = n?.requestedKw ?? undefined;
  return result('done', `${via}; ELMO answered 204${kept ? ` (kept ${list(kept)})` : ''}, negotiation ${n?.state ?? '?'}`);
}

/** The outbound adjust of this group once oscp finished it (sent or failed). */
async function deliveredAdjust(link: ElmoLink, groupId: string): Promise<Json | undefined> {
  for (let i = 0; i < 120; i++) {
    const rows: Json[] = await ok(link.oscp, 'GET', `/api/v1/oscp/outbound?partnerId=${link.partnerId}&action=adjust_group_capacity_forecast&limit=50`);
    const row = rows.find((r) => r.context?.groupId === groupId);
    if (row && (row.status === 'sent' || row.status === 'failed')) return row;
    await sleep(250);
  }
  return undefined;
}

/** ELMO's reply; `grantedKw` (per Taipei hour) when oscp accepted it. */
export async function reply(link: ElmoLink, g: GroupPlan, w: DayWindows, adjusted: StepResult | undefined): Promise<{ result: StepResult; requestedKw?: number[]; grantedKw?: number[] }> {
  const step = 'reply to our request (ELMO by 16:00)';
  const result = (status: StepResult['status'], detail: string): StepResult => ({ step, groupId: g.groupId, status, detail });
  if (adjusted?.status !== 'done') return { result: result('skipped', 'ELMO replies only to an accepted adjust request') };
  // What ELMO kept of our request (whoever made it: the planner or the operator).
  const requestedKw: number[] | undefined = (await negotiation(link, g.groupId, w.tomorrow))?.requestedKw ?? undefined;
  if (!requestedKw) return { result: result('done', 'nothing requested, nothing to reply') };
  // Without a capacity the testbed replies with what we asked for, as ELMO's automatic 16:00 reply does.
  const sent = await trigger(link, g.groupId, 'negotiation_reply_request_additional_capacity', {});
  if (sent.status !== 204) return { result: result('failed', `oscp answered ${sent.status} ${sent.error ?? ''}`) };
  const c = await classified(link, g, sent.requestId, 'day_ahead_reply');
  const grantedKw = sent.blocks.map((b) => Number(b.capacity));
  return { result: result(c.ok ? 'done' : 'failed', `${list(grantedKw)} granted (replaces the whole day); ${c.text}`), requestedKw, grantedKw };
}

export interface EmergencySent {
  result: StepResult;
  startMs?: number;
  endMs?: number;
  sentAtMs: number;
}

export async function emergency(link: ElmoLink, g: GroupPlan): Promise<EmergencySent> {
  const step = 'emergency (any time, ≥ 15 min ahead)';
  const sentAtMs = Date.now();
  const sent = await trigger(link, g.groupId, 'emergency_assign_capacity', { kw: g.emergencyKw });
  if (sent.status !== 204) return { sentAtMs, result: { step, groupId: g.groupId, status: 'failed', detail: `oscp answered ${sent.status} ${sent.error ?? ''}` } };
  const block = sent.blocks[0];
  const startMs = Date.parse(block.start_time);
  const endMs = Date.parse(block.end_time);
  const c = await classified(link, g, sent.requestId, 'emergency');
  return {
    sentAtMs,
    startMs,
    endMs,
    result: { step, groupId: g.groupId, status: c.ok ? 'done' : 'failed', detail: `${g.emergencyKw} kW from ${block.start_time} to ${block.end_time}; ${c.text}` },
  };
}
