import { parseTimeOfDay, taipeiMinuteOfDay, taipeiTomorrow } from '@cpo/oscp-protocol';

export type MissedKind = 'assignment_missing' | 'reply_missing';

export interface DayFacts {
  assignmentReceived: boolean;
  adjustAccepted: boolean;
  replyReceived: boolean;
}

/**
 * Which expected ELMO messages for tomorrow are overdue at `now` (guide §6, §7.3): the assignment
 * after the assign deadline (10:05), the reply to an accepted adjust after the reply deadline (16:10).
 */
export function overdue(now: Date, facts: DayFacts, deadlines: { assign: string; reply: string }): { day: string; kinds: MissedKind[] } {
  const minute = taipeiMinuteOfDay(now);
  const kinds: MissedKind[] = [];
  if (minute >= parseTimeOfDay(deadlines.assign) && !facts.assignmentReceived) kinds.push('assignment_missing');
  if (minute >= parseTimeOfDay(deadlines.reply) && facts.adjustAccepted && !facts.replyReceived) kinds.push('reply_missing');
  return { day: taipeiTomorrow(now), kinds };
}
