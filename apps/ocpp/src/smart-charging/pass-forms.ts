import type { DesiredProfileRow, StationProfileRow } from './charging-profile.repository.js';
import type { CarriedShare } from './running-transaction-cap.js';
import type { DispatchCapabilities } from './whole-amperes.js';

/** What building a station's profiles needs beyond the row: its cap row, over how many connectors an emulated cap is split, the connectors with a plan of their own the charger holds (`planned`) or refused (`refused`, `refused-plan.ts`), and the shares taken outside a connector's own row (`carried`, for its running transaction). */
export interface Forms {
  carried: CarriedShare[];
  capRow: DesiredProfileRow | undefined;
  emulating: () => boolean;
  share: () => Promise<number>;
  /** The count `share` read, if the pass needed it: undefined when no share was built. */
  splitUsed: () => Promise<number> | undefined;
  planned: Set<number>;
  refused: Set<number>;
}

/**
 * The rows a dispatch pass sends (`due`) and the `Forms` it builds them with. `caps` is read at each
 * call (what the pass learns from a refusal counts from then on); `split` is asked once, when an
 * emulated cap's share is first needed in the pass.
 */
export function passForms(
  rows: StationProfileRow[],
  options: { all: boolean; resplit?: boolean },
  caps: () => DispatchCapabilities,
  split: () => Promise<number>,
): { due: StationProfileRow[]; forms: Forms } {
  const capRow = rows.find((r) => r.connectorId === 0);
  const emulating = () => caps().chargePointMaxProfileRefused === true && capRow !== undefined;
  // A resplit sends the cap too (not due by its row): every share changes with the count.
  const capDue = capRow?.due != null || (options.resplit === true && capRow?.state !== 'rejected');
  const withCap = (r: StationProfileRow) => emulating() && capDue && r.state !== 'rejected';
  const due = rows.filter((r) => options.all || r.due !== null || withCap(r));
  let share: Promise<number> | undefined;
  const refused = new Set(rows.filter((r) => r.connectorId > 0 && r.state === 'rejected').map((r) => r.connectorId));
  const forms: Forms = {
    carried: [],
    capRow,
    emulating,
    share: () => (share ??= split()),
    splitUsed: () => share,
    planned: new Set(rows.filter((r) => r.connectorId > 0 && !refused.has(r.connectorId)).map((r) => r.connectorId)),
    refused,
  };
  return { due, forms };
}
