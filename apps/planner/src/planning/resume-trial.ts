/**
 * The resume trial of a planning round: the allocation each session's hysteresis headroom is read
 * from. Every session not waiting is in it, plus the waiting ones in admission order as long as
 * each waiting one in it still gets its resume threshold; a waiting session left out gets no
 * headroom. Measured against every waiting session at once, equal shares below the threshold would
 * keep all of them waiting for ever, even with nothing charging; measured against the set that
 * fits, the first ones resume and the trial of the next round (the same set, now charging) gives
 * them the same shares, so they do not flap.
 *
 * Deciding whether a waiting session fits takes one allocation with it added. A session that does
 * not fit is skipped and the next one is tried, so the sessions that fit are not a prefix of the
 * admission order (a one-phase car may fit where a three-phase one did not, a lower minimum where
 * a higher one did not): neither a binary search over a prefix nor a stop at the first misfit would
 * give the same result. What makes the trial cheap instead is that, between two admissions, the
 * members do not change and most waiting sessions are interchangeable: the allocator sees the same
 * problem up to names when two candidates have the same demand and charger figures, sit at the same
 * place among the members in admission order, and either have their charger to themselves or their
 * charger's own limits cannot bind (the allocator then drops those constraints, see model.ts). A candidate interchangeable with one that
 * did not fit does not fit either and needs no allocation. A long shortage with hundreds of waiting
 * sessions on alike stations then costs one allocation per kind of session per round instead of
 * one per session.
 */
import { SITE_PHASES, admissionOrder, allocate, type AllocationInput, type AllocationResult, type ChargerSpec, type ConnectorAllocation, type ConnectorDemand } from '../allocation/index.js';
import { buildModel } from '../allocation/model.js';

export type TrialBase = Omit<AllocationInput, 'connectors'>;
type ChargerMode = 'inert' | 'alone' | 'shared';

export function resumeTrial(
  base: TrialBase,
  demands: readonly ConnectorDemand[],
  waiting: (d: ConnectorDemand) => boolean,
  thresholdA: (d: ConnectorDemand) => number,
  allocator: (input: AllocationInput) => AllocationResult = allocate,
): AllocationResult {
  const members = demands.filter((d) => !waiting(d));
  const ordered = [...members].sort(admissionOrder);
  const onCharger = new Map<string, ConnectorDemand[]>();
  for (const m of members) onCharger.set(m.chargerId, [...(onCharger.get(m.chargerId) ?? []), m]);
  const chargers = new Map(base.chargers.map((c) => [c.id, c]));
  const admitted: ConnectorDemand[] = [];
  let trial = allocator({ ...base, connectors: members });
  // Kinds of candidate known not to fit against the current members; emptied on each admission.
  let misfits = new Set<string>();
  let sharedMisfits = new Map<string, SharedMisfit>();
  for (const candidate of demands.filter(waiting).sort(admissionOrder)) {
    const slot = slotOf(ordered, candidate);
    const charger = chargers.get(candidate.chargerId);
    const beside = charger === undefined ? [] : (onCharger.get(charger.id) ?? []);
    const mode = charger === undefined ? undefined : chargerMode(base, charger, beside, candidate);
    const key = charger === undefined || mode === undefined ? undefined : kindOf(candidate, charger, mode, slot, thresholdA(candidate));
    if (key !== undefined && misfits.has(key)) continue;
    const shared = key === undefined ? undefined : sharedMisfits.get(key);
    if (shared !== undefined && charger !== undefined && slackWith(base, charger, beside.length + 1, shared.attempt, loadOf(base, candidate, shared.allocation))) continue;
    const attempt = allocator({ ...base, connectors: [...members, candidate] });
    const byId = new Map(attempt.connectors.map((a) => [a.id, a]));
    const fits = [...admitted, candidate].every((d) => {
      const a = byId.get(d.id);
      return a?.status === 'charging' && a.limit >= thresholdA(d) - 1e-9;
    });
    if (!fits) {
      const own = byId.get(candidate.id);
      const refusedA = own?.status === 'charging' ? 0 : loadOf(base, candidate, own);
      if (mode === 'shared' && charger !== undefined && !sharedMisfits.has(key!) && slackWith(base, charger, beside.length + 1, attempt, refusedA)) {
        sharedMisfits.set(key!, { attempt, allocation: byId.get(candidate.id) });
      } else if (mode !== 'shared' && key !== undefined) misfits.add(key);
      continue;
    }
    members.push(candidate);
    ordered.splice(slot, 0, candidate);
    onCharger.set(candidate.chargerId, [...(onCharger.get(candidate.chargerId) ?? []), candidate]);
    admitted.push(candidate);
    trial = attempt;
    misfits = new Set();
    sharedMisfits = new Map();
  }
  return trial;
}

/** How many members come before `d` in admission order (the members are sorted). */
function slotOf(ordered: readonly ConnectorDemand[], d: ConnectorDemand): number {
  let lo = 0;
  let hi = ordered.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (admissionOrder(ordered[mid], d) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * How the candidate's charger enters the allocator's model, when two candidates on different
 * chargers can be alike at all: `inert` when none of the charger's own limits can bind with the
 * candidate added (the allocator leaves them out, so the charger does not matter), `alone` when
 * they may bind but no member shares them (the candidate's own constraints, built the same way for
 * every such candidate at the same place), `shared` when members share a rating that may bind
 * (AC per-phase ratings only; see {@link slackWith}). Decided by the allocator's own model of that
 * charger alone, so it cannot drift from what it does.
 */
function chargerMode(base: TrialBase, charger: ChargerSpec, members: readonly ConnectorDemand[], candidate: ConnectorDemand): ChargerMode | undefined {
  if (!charger.controllable) return undefined;
  const model = buildModel({ nominalVoltageV: base.nominalVoltageV, availableW: 0, chargers: [charger], connectors: [...members, candidate], options: base.options });
  const prefix = `charger:${charger.id}:`;
  if (!model.active.some((k) => model.constraints[k].id.startsWith(prefix))) return 'inert';
  if (members.length === 0) return 'alone';
  return charger.current === 'AC' && charger.maxPowerW === undefined && charger.maxCurrentA !== undefined ? 'shared' : undefined;
}

/**
 * A misfit whose answer holds for an alike candidate on another shared station, as long as neither
 * station's rating takes part. A rating takes part in an allocation only by becoming tight (in the
 * filling, the admission or a discrete step); every level only grows during a run and ends within
 * two steps of its continuous value, so a rating whose final load plus two steps per connector on
 * it stays below it never took part, and the run is the one without it. The misfit's run then
 * holds for the alike candidate too if, in that run, its station's rating with the misfit's share
 * added would not take part either: the misfit's station only loses a connector. A paused misfit
 * counts at its minimum on both ratings (see {@link loadOf}).
 */
interface SharedMisfit {
  readonly attempt: AllocationResult;
  readonly allocation: ConnectorAllocation | undefined;
}

/**
 * What a misfit weighs on a rating: its limit when charging, else its minimum. A misfit refused at
 * admission is paused at 0 A, yet its minimum on top of the rest may be what the rating refused:
 * the final load alone would read as slack although the rating decided the answer.
 */
function loadOf(base: TrialBase, d: ConnectorDemand, a: ConnectorAllocation | undefined): number {
  return a?.status === 'charging' ? a.limit : (d.minimum ?? base.options?.defaultMinA ?? 6);
}

/** Whether the charger's per-phase rating stays clear in `attempt`, with `extraA` (per phase) on it too. */
function slackWith(base: TrialBase, charger: ChargerSpec, connectors: number, attempt: AllocationResult, extraA: number): boolean {
  const total = attempt.chargers.find((c) => c.chargerId === charger.id);
  if (total === undefined || charger.maxCurrentA === undefined) return false;
  const step = charger.integerAmpsOnly ? 1 : (charger.stepA ?? base.options?.defaultStepA ?? 0.1);
  return SITE_PHASES.every((p) => total.phaseA[p] + extraA + 2 * step * connectors <= charger.maxCurrentA! - 1e-6);
}

/** Everything the allocator reads of a candidate and its charger, and its place among the members. */
function kindOf(d: ConnectorDemand, c: ChargerSpec, mode: ChargerMode, slot: number, thresholdA: number): string {
  const m = d.maxima;
  return JSON.stringify([
    mode,
    slot,
    thresholdA,
    d.priority,
    d.charging,
    d.phases,
    d.minimum ?? null,
    m.rating,
    m.cable ?? null,
    m.ev ?? null,
    m.share ?? null,
    c.current,
    c.phases,
    c.maxCurrentA ?? null,
    c.maxPowerW ?? null,
    c.integerAmpsOnly ?? false,
    c.stepA ?? null,
    c.stepW ?? null,
  ]);
}
