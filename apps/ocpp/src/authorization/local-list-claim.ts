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
/** How often a holder renews its claim while its CALL is out or its answer is being recorded (well inside CLAIM_MARGIN_MS). */
export const CLAIM_RENEW_MS = 5_000;

/**
 * Runs `work` (a CALL and the recording of its answer) while renewing the claim every
 * CLAIM_RENEW_MS. The recording may take as long as the database allows (a pool wait, then each
 * statement up to its timeout: more than CLAIM_MARGIN_MS), and a claim lapsing under a holder still
 * recording let another replica ask or send meanwhile, then the late record undid what it stored.
 * A holder that stopped renews nothing: its claim lapses a lease after its last renewal. Renewals
 * are done before this returns, so none extends a claim released (or left to lapse) after it.
 */
export async function whileRenewing<T>(renew: () => Promise<void>, failed: (err: unknown) => void, work: () => Promise<T>): Promise<T> {
  let renewal: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewal = renewal.then(renew).catch(failed);
  }, CLAIM_RENEW_MS);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await renewal;
  }
}

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
