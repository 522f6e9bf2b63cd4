/**
 * ELMO's daily cron (guide §7.3) as pure data: which milestones lie in a span of simulated time, so
 * a clock that jumps (the simulator's "accelerated" mode) still replays every step in order.
 */
import { addDays, taipeiAt, taipeiDate } from '@cpo/oscp-protocol';

export type Milestone = 'create' | 'assign' | 'close' | 'auto_reply' | 'finalize';

const DAILY: [string, Milestone][] = [
  ['00:00', 'create'],
  ['10:00', 'assign'],
  ['14:05', 'close'],
  ['16:00', 'auto_reply'],
  ['16:05', 'finalize'],
];

export interface DueMilestone {
  milestone: Milestone;
  at: Date;
  /** The negotiation day it acts on: always the day after `at`'s Taipei date. */
  day: string;
}

/** Milestones in `(fromMs, toMs]`, oldest first (at most a few days' worth are replayed). */
export function milestonesBetween(fromMs: number, toMs: number, maxDays = 3): DueMilestone[] {
  if (toMs <= fromMs) return [];
  const due: DueMilestone[] = [];
  const first = Math.max(fromMs, toMs - maxDays * 86_400_000);
  for (let date = taipeiDate(first); ; date = addDays(date, 1)) {
    for (const [hhmm, milestone] of DAILY) {
      const at = taipeiAt(date, hhmm);
      if (at.getTime() > first && at.getTime() <= toMs) due.push({ milestone, at, day: addDays(date, 1) });
    }
    if (taipeiAt(date, '00:00').getTime() > toMs) break;
  }
  return due;
}
