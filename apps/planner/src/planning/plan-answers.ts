/**
 * Whether the plan row aliased `p` (station_plans) still waits for an answer, as SQL: a connector it
 * names has neither `applied` nor `failed` yet (`answered`, recorded per connector by
 * LiveStateRepository.planOutcome). Counting events instead let one connector answered twice (a cap
 * sent again after a re-split, a check's NotObeyed before a running transaction's TxProfile, a
 * reconnect sending every profile again) stand for another still on its way: a decrease looked
 * answered and the group's increases went out before it reached the charger.
 *
 * A plan with no connector recorded was answered, if at all, by a replica of the previous release
 * (a rolling update), which counted only: its counters decide. One answered partly each way waits
 * for the rest or the ack timeout.
 */
export function unansweredSql(p: string): string {
  return `(CASE WHEN cardinality(${p}.answered) = 0 THEN ${p}.applied + ${p}.failed < ${p}.expected
    ELSE EXISTS (SELECT 1 FROM jsonb_array_elements(${p}.connectors) c WHERE NOT (c->>'connectorId')::smallint = ANY(${p}.answered)) END)`;
}
