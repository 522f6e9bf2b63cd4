import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { clearShares, sendShares } from './cap-shares.js';
import { connectorProfileId, type BuiltProfile } from './profile-builder.js';

/*
 * A connector whose own plan profile (id 100 + n) the charger refused (several periods, a value or
 * form it dislikes) under an emulated station cap (`emulated-cap.ts`). Its plan is recorded refused
 * as any other, but the cap must still hold there:
 * - in the shares form (`cap-shares.ts`, connector 0 takes no default) nothing else holds the
 *   connector: it gets its share under the same id, as a connector without a plan does (the cap's
 *   later shares include it while its plan stays refused; a later plan replaces it in place);
 * - with the connector-0 default (id 99) the connector falls under that default only without a
 *   profile of its own: an older one still there (an earlier plan under an earlier, higher cap)
 *   would keep its higher limit, so it is cleared (and again whenever the cap goes: its share follows).
 */

/**
 * The charger answered without taking the profile: nothing new installed. Not a lost call (no
 * answer, offline, the replica holding the socket silent), nor any reply whose outcome is unknown
 * (`mayHaveActed`), which it may have taken.
 */
export function refusedByCharger(reply: OcppCommandReply): boolean {
  if (reply.status === 'ok') return reply.payload['status'] !== 'Accepted';
  return reply.mayHaveActed !== true && !LOST.has(reply.code);
}

const LOST = new Set<string>([OcppCommandErrorCode.Timeout, OcppCommandErrorCode.ReplicaTimeout, OcppCommandErrorCode.QueueTimeout, OcppCommandErrorCode.Offline, OcppCommandErrorCode.Superseded]);

export interface RefusedPlanHold {
  /** Connector 0 takes no default: the share goes in the connector's own profile. */
  sharesForm: boolean;
  /** The connector's share as its own profile (`shareLimit`, id 100 + n). */
  share: () => Promise<BuiltProfile>;
  send: (b: BuiltProfile) => Promise<{ reply: OcppCommandReply; sent: BuiltProfile }>;
  clear: (id: number) => Promise<OcppCommandReply>;
}

/**
 * Holds connector `connectorId`, whose plan profile was just refused, to its share (see above).
 * Returns the answer that left it unheld and the form it concerns (the cap's failure to record,
 * retried as the cap), else undefined.
 */
export async function holdRefusedPlan(connectorId: number, o: RefusedPlanHold): Promise<{ reply: OcppCommandReply; form: BuiltProfile } | undefined> {
  const share = await o.share();
  if (o.sharesForm) {
    const out = await sendShares([share], o.send);
    return out.reply.status === 'ok' && out.reply.payload['status'] === 'Accepted' ? undefined : { reply: out.reply, form: out.sent ?? share };
  }
  const failed = await clearShares([connectorProfileId(connectorId)], o.clear);
  return failed && { reply: failed, form: share };
}
