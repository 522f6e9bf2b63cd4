import type { Ocpp16 } from '@cpo/ocpp-protocol';

/** An entry as the list held it before an update touched its tag; `idTag` null: the list did not hold the tag. */
export interface PriorEntry {
  key: string;
  idTag: string | null;
  idTagInfo: Record<string, unknown> | null;
}

/** What the list was known to be before an update went out. */
export interface ListBefore {
  listVersion: number | null;
  certain: boolean;
}

/**
 * A SendLocalList that went out unanswered (`local_lists.pending_update`): the update as sent, and
 * the list before it with the prior entries of the tags it wrote (those with `idTagInfo`), which
 * is all a revert must restore: the unanswered update only added or replaced those
 * (LocalListRepository.unconfirmed), its removals and a Full update's replacement were not done.
 */
export interface PendingUpdate {
  listVersion: number;
  updateType: Ocpp16.SendLocalListRequest['updateType'];
  localAuthorizationList: NonNullable<Ocpp16.SendLocalListRequest['localAuthorizationList']>;
  before: ListBefore & { entries: PriorEntry[] };
}

/**
 * What the charger's reported version says about a pending update: `applied` (it reports the
 * update's version), `reverted` (the version before it: the update never took effect), `unknown`
 * (anything else, or a version that cannot tell the two apart: it holds a list we do not know).
 */
export type RepairOutcome = 'applied' | 'reverted' | 'unknown';

/** How a pending update was settled by a reported version (logged, and returned by LocalListRepository.reported). */
export interface Settlement {
  outcome: RepairOutcome;
  reportedVersion: number;
  pendingVersion: number;
  previousVersion: number | null;
  updateType: PendingUpdate['updateType'];
  /** Whether the entries are certain after it (for `unknown`, the report itself decides: `0` and `-1` are an empty list, certain). */
  certain: boolean;
}

/**
 * Whether an unanswered update is worth remembering: only if the charger's version can later make
 * the list certain again. A Full update does whatever came before (its version alone says what the
 * charger holds); a Differential only on a list whose version and entries were known (otherwise
 * neither outcome would say what the rest of the list holds).
 */
export function worthRepairing(updateType: PendingUpdate['updateType'], before: ListBefore): boolean {
  return updateType === 'Full' || (before.certain && before.listVersion !== null);
}

/** The outcome of a pending update given the version the charger reports now. */
export function repairOutcome(pending: Pick<PendingUpdate, 'listVersion' | 'before'>, reported: number): RepairOutcome {
  const previous = pending.before.listVersion;
  // An update sent at the version the list already had (an operator's Full list, say): the version cannot tell.
  if (previous === pending.listVersion) return 'unknown';
  if (reported === pending.listVersion) return 'applied';
  if (previous !== null && reported === previous) return 'reverted';
  return 'unknown';
}

/** The settlement of a pending update: its outcome and whether the list is certain after it. */
export function settle(pending: PendingUpdate, reported: number): Settlement {
  const outcome = repairOutcome(pending, reported);
  const certain = outcome === 'applied' ? pending.updateType === 'Full' || pending.before.certain : outcome === 'reverted' && pending.before.certain;
  return { outcome, reportedVersion: reported, pendingVersion: pending.listVersion, previousVersion: pending.before.listVersion, updateType: pending.updateType, certain };
}

/** The tags an update writes (those with `idTagInfo`), lower-cased (IdToken is a CiString). */
export function writtenKeys(list: PendingUpdate['localAuthorizationList']): string[] {
  return [...new Set(list.filter((e) => e.idTagInfo !== undefined).map((e) => e.idTag.toLowerCase()))];
}
