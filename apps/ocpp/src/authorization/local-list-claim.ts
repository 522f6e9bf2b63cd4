import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { LocalCommandErrorCode } from '../commands/command-executor.js';

/**
 * A claim of a station's list (LocalListSyncRepository.claim, claimRepair) outlives its CALL (sent
 * with the configured call timeout, forwarded over the bus with a few seconds' margin) and the
 * recording of its answer, so it lapses only for a holder that stopped.
 */
export const CLAIM_MARGIN_MS = 30_000;
/** How often a sync or repair looks again at a list another holder has claimed (doubling up to the cap). */
export const CLAIM_POLL_MS = [50, 1_000] as const;

/**
 * A failed reply, from another replica over the bus, that does not say the call is over: a
 * timeout (the replica holding the socket may not even have sent it yet, its deadline counting
 * from when it took the command) or the bus failing on the way (CommandService). Both codes also
 * stand for final outcomes, e.g. the charger's own timeout: keeping that claim to its lease only
 * delays the next sync, which waits for the list's repair anyway (the list is uncertain then).
 */
export function inDoubt(reply: OcppCommandReply): boolean {
  return reply.status === 'error' && (reply.code === OcppCommandErrorCode.Timeout || reply.code === LocalCommandErrorCode.CentralSystemError);
}
