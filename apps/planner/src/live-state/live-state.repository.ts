import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { outcomeChange, type PlanOutcomes } from './plan-outcome.js';

/**
 * How much earlier than the connector's stored `Available` a start may be stamped and still open its
 * session (sessionStarted): the clock skew the ocpp service allows a remote start's link too. A
 * session queued offline, delivered after the charger came back idle, is hours or days older.
 */
const AVAILABLE_SINCE_START_SKEW = '10 minutes';

/** What the allocator needs to know about chargers right now (SQL only). */
/** SQL ($5: the answering connector): the plan names it and it had not answered yet. Every SET expression reads the row as locked, so two answers at once never both count as first. */
const FIRST_ANSWER = `(NOT ($5::smallint = ANY(answered)) AND connectors @> jsonb_build_array(jsonb_build_object('connectorId', $5::int)))`;

@Injectable()
export class LiveStateRepository {
  /**
   * The newest status wins. `Available` after a session's start also ends that session: a charger
   * discards a StopTransaction it could not deliver after its retries (OCPP 1.6 §3.7.1), and the
   * session would otherwise hold its share of the group (for nobody) until the next start there.
   * An `Available` older than the start (delivered late, or before the plug-in) ends nothing.
   */
  async status(tx: EntityManager, stationId: string, connectorId: number, status: string, at: Date): Promise<void> {
    const ended = `EXCLUDED.status = 'Available' AND c.session_started_at < EXCLUDED.status_at`;
    await tx.query(
      `INSERT INTO connector_state AS c (station_id, connector_id, status, status_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET status = EXCLUDED.status, status_at = EXCLUDED.status_at,
         transaction_id = CASE WHEN ${ended} THEN NULL ELSE c.transaction_id END,
         session_started_at = CASE WHEN ${ended} THEN NULL ELSE c.session_started_at END,
         power_w = CASE WHEN ${ended} THEN 0 ELSE c.power_w END,
         current_a = CASE WHEN ${ended} THEN NULL ELSE c.current_a END,
         current_at = CASE WHEN ${ended} THEN NULL ELSE c.current_at END
       WHERE c.status_at IS NULL OR c.status_at <= EXCLUDED.status_at`,
      [stationId, connectorId, status, at],
    );
  }

  /**
   * Opens the session of a transaction unless it already stopped (its `started` delivered after its
   * `stopped`: the ocpp outbox's fast path failed and the relay published the start later), the
   * connector already holds one started later, or reported `Available` since the start: a late
   * start would otherwise hold a ghost session, and its share of the group, for nobody. Ordered by
   * the start's time, not the transaction id: ids follow the ocpp service's receipt, and a session a
   * charger queued offline, delivered after one it runs now, has the higher id; taking its place, its
   * stop then left the connector with no session while it drew power. `Available` after the start
   * ends the session as the status rule (above) does when the status comes later: a charger back
   * from days offline reports its idle connectors first, then its queued sessions, one of them
   * perhaps without its StopTransaction (discarded), which would otherwise run from now on. Only
   * an `Available` more than AVAILABLE_SINCE_START_SKEW after the start: a status sent without a
   * timestamp (or an unset or ahead clock's) is placed at its receipt while the start keeps the
   * charger's stamp, so a clock a little behind makes a session started after the `Available` look
   * older than it; refused, that session, live now, would get no share (limit 0) until its stop.
   */
  async sessionStarted(tx: EntityManager, stationId: string, connectorId: number, transactionId: number, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO connector_state AS c (station_id, connector_id, transaction_id, session_started_at)
       SELECT $1::text, $2::int, $3::int, $4::timestamptz
       WHERE NOT EXISTS (SELECT 1 FROM stopped_transactions s WHERE s.station_id = $1 AND s.transaction_id = $3)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, session_started_at = EXCLUDED.session_started_at
       WHERE (c.transaction_id IS NULL OR c.session_started_at <= EXCLUDED.session_started_at)
         AND NOT (c.status = 'Available' AND c.status_at > EXCLUDED.session_started_at + interval '${AVAILABLE_SINCE_START_SKEW}')`,
      [stationId, connectorId, transactionId, at],
    );
  }

  /** Ends the session of that transaction only, and remembers the stop (3 days) for a `started` that arrives after it. */
  async sessionStopped(tx: EntityManager, stationId: string, transactionId: number, at: Date): Promise<void> {
    await tx.query(`INSERT INTO stopped_transactions (station_id, transaction_id, stopped_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [stationId, transactionId, at]);
    await tx.query(`DELETE FROM stopped_transactions WHERE recorded_at < now() - interval '3 days'`);
    // The readings' times move to the stop, so a reading taken before it but delivered after it (a
    // charger's queued MeterValues, the stop's transactionData) does not bring the draw back.
    await tx.query(
      `UPDATE connector_state SET transaction_id = NULL, session_started_at = NULL, power_w = 0, power_at = GREATEST(power_at, $3), current_a = NULL, current_at = GREATEST(current_at, $3)
        WHERE station_id = $1 AND transaction_id = $2`,
      [stationId, transactionId, at],
    );
  }

  /**
   * Latest measured power / current / energy register of a connector; older readings never overwrite
   * newer ones, and a reading of a transaction that has stopped is ignored (delivered late).
   */
  async measured(
    tx: EntityManager,
    stationId: string,
    connectorId: number,
    transactionId: number | undefined,
    at: Date,
    m: { powerW?: number; currentA?: number; energyWh?: number },
  ): Promise<void> {
    const newer = (column: string, param: string) => `${param}::float8 IS NOT NULL AND (c.${column}_at IS NULL OR c.${column}_at <= $6)`;
    await tx.query(
      `INSERT INTO connector_state AS c (station_id, connector_id, power_w, power_at, current_a, current_at, energy_wh, energy_at)
       SELECT $1::text, $2::int, $3::float8, CASE WHEN $3::float8 IS NULL THEN NULL ELSE $6::timestamptz END, $4::float8, CASE WHEN $4::float8 IS NULL THEN NULL ELSE $6::timestamptz END,
              $5::float8, CASE WHEN $5::float8 IS NULL THEN NULL ELSE $6::timestamptz END
        WHERE NOT EXISTS (SELECT 1 FROM stopped_transactions s WHERE s.station_id = $1 AND s.transaction_id = $7::int)
       ON CONFLICT (station_id, connector_id) DO UPDATE SET
         power_w = CASE WHEN ${newer('power', '$3')} THEN $3 ELSE c.power_w END,
         power_at = CASE WHEN ${newer('power', '$3')} THEN $6 ELSE c.power_at END,
         current_a = CASE WHEN ${newer('current', '$4')} THEN $4 ELSE c.current_a END,
         current_at = CASE WHEN ${newer('current', '$4')} THEN $6 ELSE c.current_at END,
         energy_wh = CASE WHEN ${newer('energy', '$5')} THEN $5 ELSE c.energy_wh END,
         energy_at = CASE WHEN ${newer('energy', '$5')} THEN $6 ELSE c.energy_at END`,
      [stationId, connectorId, m.powerW ?? null, m.currentA ?? null, m.energyWh ?? null, at, transactionId ?? null],
    );
  }

  /**
   * The newest connection event wins, not the last delivered: when a charger moves replicas (a
   * rolling update) the old replica's `disconnected` may reach the bus after the new one's
   * `connected`, and applied blindly it would leave a live charger offline (counted at its full
   * rating, throttling its group) until it reconnected again.
   */
  async connection(tx: EntityManager, stationId: string, connected: boolean, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO station_state (station_id, connected, connected_at) VALUES ($1, $2, $3)
       ON CONFLICT (station_id) DO UPDATE SET connected = EXCLUDED.connected, connected_at = EXCLUDED.connected_at
       WHERE station_state.connected_at IS NULL OR station_state.connected_at <= EXCLUDED.connected_at`,
      [stationId, connected, at],
    );
  }

  /**
   * The newest boot wins, not the last delivered: a boot older than an answer it arrives after must
   * not undo that answer (offline-grace.ts compares the two). A boot comes over a live socket, so a
   * first sight of the station counts it connected, as a profile outcome does.
   */
  async booted(tx: EntityManager, stationId: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO station_state (station_id, connected, booted_at) VALUES ($1, true, $2)
       ON CONFLICT (station_id) DO UPDATE SET booted_at = GREATEST(station_state.booted_at, EXCLUDED.booted_at)`,
      [stationId, at],
    );
  }

  /**
   * A charger that rejects or ignores profiles becomes uncontrolled for the next plan; one the ocpp
   * service could not reach (`Offline`) is treated as offline instead (planning/offline-grace.ts).
   * The newest outcome wins, not the last delivered: a failure older than an `applied` (a relay's
   * backlog) would otherwise leave a charger that holds its plan uncontrolled for the retry time.
   */
  async profileOutcome(tx: EntityManager, stationId: string, applied: boolean, result: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO station_state (station_id, connected, profile_failures, last_profile_result, last_profile_at) VALUES ($1, true, CASE WHEN $2 THEN 0 ELSE 1 END, $3, $4)
       ON CONFLICT (station_id) DO UPDATE SET profile_failures = CASE WHEN $2 THEN 0 ELSE station_state.profile_failures + 1 END,
         last_profile_result = EXCLUDED.last_profile_result, last_profile_at = EXCLUDED.last_profile_at
       WHERE station_state.last_profile_at IS NULL OR station_state.last_profile_at <= EXCLUDED.last_profile_at`,
      [stationId, applied, result, at],
    );
  }

  /**
   * Records one connector profile's outcome for the plan it implements (plans of other services are
   * not in the table) and marks the connector as answered if the plan names it (`plan-answers.ts`):
   * a second answer for a connector counts, but answers for no other. `applied` counts the applied
   * events; `failed` / `offline_failed` the connectors whose latest outcome (`outcomes`, by the
   * events' times: plan-outcome.ts) is a failure / an `Offline` one, so a profile the charger
   * accepted after our timeout, or after a reconnect re-sent it, makes the plan acknowledged.
   * `offline`: the failure was the ocpp service finding no socket, so the charger never saw the
   * profile (counted apart: it is no refusal). `outcome_at` is when a connector of the plan first
   * answered, the last of them once all did: a late repeat (a reconnect sending every profile
   * again) does not move it. `answer_times` keeps each connector's newest answer (not `Offline`),
   * repeats included: one after a boot tells the charger holds the plan again (offline-grace.ts).
   */
  async planOutcome(tx: EntityManager, planId: string, connectorId: number, applied: boolean, detail: string | undefined, at: Date, offline = false): Promise<void> {
    // Locked until the transaction ends: two answers for the plan at once each see the other's outcome.
    const rows: { outcomes: PlanOutcomes }[] = await tx.query(`SELECT outcomes FROM station_plans WHERE plan_id = $1 FOR UPDATE`, [planId]);
    if (rows.length === 0) return;
    const change = outcomeChange(rows[0]!.outcomes, connectorId, { kind: applied ? 'applied' : offline ? 'offline' : 'failed', at: at.toISOString() });
    await tx.query(
      `UPDATE station_plans SET applied = applied + CASE WHEN $2 THEN 1 ELSE 0 END, failed = failed + $7, offline_failed = offline_failed + $8,
         outcomes = CASE WHEN $9::jsonb IS NULL THEN outcomes ELSE jsonb_set(outcomes, ARRAY[$5::text], $9::jsonb) END,
         answered = CASE WHEN ${FIRST_ANSWER} THEN ARRAY(SELECT a FROM unnest(answered || $5::smallint) a ORDER BY a) ELSE answered END,
         outcome_at = CASE WHEN ${FIRST_ANSWER} THEN $4 ELSE COALESCE(outcome_at, $4) END,
         answer_times = CASE WHEN NOT $2 AND $6 THEN answer_times
           ELSE jsonb_set(answer_times, ARRAY[$5::text], to_jsonb(GREATEST((answer_times->>($5::text))::timestamptz, $4::timestamptz))) END,
         last_failure = CASE WHEN NOT $2 AND $9::jsonb IS NOT NULL THEN $3 ELSE last_failure END WHERE plan_id = $1`,
      [planId, applied, detail ?? null, at, connectorId, offline, change.failed, change.offlineFailed, change.outcome === undefined ? null : JSON.stringify(change.outcome)],
    );
  }

  /**
   * Stores readings of configured generation sources only (others are not ours to count) and
   * keeps an hour per source: the solar credit looks at the last five minutes.
   */
  async generation(tx: EntityManager, readings: { transceiverId: string; port: number; at: string; powerW: number; fault: boolean }[]): Promise<void> {
    if (readings.length === 0) return;
    await tx.query(
      `INSERT INTO generation_readings (transceiver_id, port, at, power_w, fault)
       SELECT r.transceiver_id, r.port, r.at, r.power_w, r.fault FROM jsonb_to_recordset($1::jsonb) AS r(transceiver_id text, port int, at timestamptz, power_w float8, fault boolean)
       WHERE EXISTS (SELECT 1 FROM generation_sources g WHERE g.transceiver_id = r.transceiver_id AND g.port = r.port)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(readings.map((r) => ({ transceiver_id: r.transceiverId, port: r.port, at: r.at, power_w: r.powerW, fault: r.fault })))],
    );
    // Relative to each source's newest reading, so replayed or delayed data is pruned consistently.
    await tx.query(
      `DELETE FROM generation_readings r USING (SELECT transceiver_id, port, max(at) AS newest FROM generation_readings GROUP BY 1, 2) m
       WHERE r.transceiver_id = m.transceiver_id AND r.port = m.port AND r.at < m.newest - interval '1 hour'`,
    );
  }
}
