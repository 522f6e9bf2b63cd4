import type { OcppCommandReply } from '@cpo/contracts';
import type { BuiltProfile } from './profile-builder.js';
import { failureOf } from './profile-outcomes.js';

/** The charger took the profile (in time or late). */
export function lateAcceptance(reply: OcppCommandReply): boolean {
  return reply.status === 'ok' && reply.payload['status'] === 'Accepted';
}

/**
 * Whether a late acceptance of `late` (one form a grid profile's send tried) says something about
 * the row: only if the send ended on that very form left unanswered. A form the send went past (a
 * level-1 try refused, then level 0) was answered in time; a share of a cap carried by the
 * connectors' profiles is not the cap's form, nor is a form superseded in the queue (nothing recorded).
 */
export function lateAcceptCounts(late: BuiltProfile, recorded: { form: BuiltProfile; reply: OcppCommandReply } | undefined): boolean {
  return recorded !== undefined && recorded.form === late && !lateAcceptance(recorded.reply) && recorded.reply.status === 'error' && failureOf(recorded.reply) === 'Timeout';
}
