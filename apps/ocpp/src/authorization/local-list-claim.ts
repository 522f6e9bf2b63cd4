import { randomUUID } from 'node:crypto';
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
 * Renews a claim every CLAIM_RENEW_MS until the returned stop() (awaited: renewals are done before
 * it returns, so none extends a claim released after it) or, at the latest, `capMs` from now: a
 * holder that never got to stop it (its call's outcome lost) lets its claim lapse a lease later.
 */
export function renewing(renew: () => Promise<void>, failed: (err: unknown) => void, capMs = Number.POSITIVE_INFINITY): () => Promise<void> {
  let renewal: Promise<void> = Promise.resolve();
  const until = Date.now() + capMs;
  const timer = setInterval(() => {
    if (Date.now() > until) return clearInterval(timer);
    renewal = renewal.then(renew).catch(failed);
  }, CLAIM_RENEW_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await renewal;
  };
}

/**
 * Runs `work` (a CALL and the recording of its answer) while renewing the claim every
 * CLAIM_RENEW_MS. The recording may take as long as the database allows (a pool wait, then each
 * statement up to its timeout: more than CLAIM_MARGIN_MS), and a claim lapsing under a holder still
 * recording let another replica ask or send meanwhile, then the late record undid what it stored.
 * A holder that stopped renews nothing: its claim lapses a lease after its last renewal. Renewals
 * are done before this returns, so none extends a claim released (or left to lapse) after it.
 */
export async function whileRenewing<T>(renew: () => Promise<void>, failed: (err: unknown) => void, work: () => Promise<T>): Promise<T> {
  const stop = renewing(renew, failed);
  try {
    return await work();
  } finally {
    await stop();
  }
}

/**
 * Claims taken only to ask the charger its version (GetLocalListVersion) are named by kind: a
 * repair's and an operator's own ask. While one holds the list nothing is sent to it, so a version
 * the charger reports then may be recorded under that claim (LocalListAsks); a sync's claim (a bare
 * id) may have an update on its way, so nothing else records under it.
 */
const REPAIR_PREFIX = 'repair:';
const ASK_PREFIX = 'ask:';
export const repairOwner = () => `${REPAIR_PREFIX}${randomUUID()}`;
export const askOwner = () => `${ASK_PREFIX}${randomUUID()}`;
/** Whether a claim's holder (its owner, or the `owner@until` a busy claim names) only asks the charger its version. */
export const onlyAsks = (holder: string) => holder.startsWith(REPAIR_PREFIX) || holder.startsWith(ASK_PREFIX);
/** Whether it is an operator's own ask: it syncs nothing after it, unlike a repair (whose station run then syncs). */
export const operatorAsk = (holder: string) => holder.startsWith(ASK_PREFIX);

/**
 * A failed reply, from another replica over the bus, that does not say the call is over: a
 * timeout (the replica holding the socket may not even have sent it yet, its deadline counting
 * from when it took the command) or the bus failing on the way (CommandService). Both codes also
 * stand for final outcomes, e.g. the charger's own timeout: keeping that claim to its lease only
 * delays the next sync, which waits for the list's repair anyway (the list is uncertain then).
 */
export function inDoubt(reply: OcppCommandReply): boolean {
  return reply.status === 'error' && (reply.code === OcppCommandErrorCode.Timeout || reply.code === OcppCommandErrorCode.ReplicaTimeout || reply.code === LocalCommandErrorCode.CentralSystemError);
}
