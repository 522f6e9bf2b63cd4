import { Injectable } from '@nestjs/common';
import { returnedRows } from '@cpo/platform';
import { DataSource, type EntityManager } from 'typeorm';

/** Transfers a station reports the progress of: firmware (also signed), diagnostics, logs (security extension). */
export type UploadKind = 'firmware' | 'diagnostics' | 'log';

/** Transfers whose requests and statuses carry a requestId (security extension): signed firmware updates, logs. */
export type IdentifiedKind = 'firmware' | 'log';

/** The statuses that end a plain (OCPP 1.6) firmware update or diagnostics upload. */
const OUTCOMES = {
  firmware: ['Installed', 'DownloadFailed', 'InstallationFailed'],
  diagnostics: ['Uploaded', 'UploadFailed'],
} as const;

/** The station's firmwareVersion when a firmware request is recorded (null when it never reported one). */
const VERSION_BEFORE = ` || jsonb_build_object('firmwareVersionBefore', firmware_version)`;

/** The flag of a firmware request shown Installed because the station booted with another firmwareVersion. */
const INFERRED = 'installedInferredFromBoot';
const UNINFERRED_PLAIN = `firmware_request = CASE WHEN firmware_request->'requestId' IS NULL THEN firmware_request - '${INFERRED}' ELSE firmware_request END`;

/**
 * What a firmware request's latest status may be when a boot with another firmwareVersion shows it
 * installed: downloaded, or on the way to installing (the security extension's steps included), or
 * none since it was sent. A failure stays (the charger rebooted on something else), as do
 * `Downloading` (not complete) and `Idle` (it dropped the update).
 */
const BEFORE_INSTALL = ['Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'InstallRebooting'];

/**
 * The transfers a station was asked for and reports the progress of (firmware, diagnostics, logs):
 * the station row's `*_request` and `*_status` columns (SQL only; the rules live in the services).
 */
@Injectable()
export class TransferRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The firmware update or diagnostics upload the station accepted last (what its later statuses are
   * about). A firmware update keeps the firmwareVersion the station ran when it was accepted: a boot
   * reporting another one shows it installed (recordInstalledAtBoot).
   */
  async recordTransferRequest(id: string, kind: 'firmware' | 'diagnostics', request: Record<string, unknown>): Promise<void> {
    await this.db.query(`UPDATE stations SET ${kind}_request = $2::jsonb${kind === 'firmware' ? VERSION_BEFORE : ''}, updated_at = now() WHERE id = $1`, [id, JSON.stringify(request)]);
  }

  /**
   * A plain (1.6) firmware update or diagnostics upload recorded `unanswered` (it timed out, the
   * charger may have taken it on) that the charger then refused with a CallError (OutboundCalls' late
   * answers): settled with the error's code as `callError`, as a refusal. Only while it is still the
   * station's request (same `requestedAt`, no requestId): a later one recorded since stays. A refused
   * request has no progress: no status is its (requestOf, the station view) and no boot infers it
   * installed (recordInstalledAtBoot). Returns whether it was settled.
   */
  async recordLateCallError(id: string, kind: 'firmware' | 'diagnostics', requestedAt: string, code: string): Promise<boolean> {
    const rows = returnedRows(await this.db.query(
      `UPDATE stations SET ${kind}_request = (${kind}_request - 'unanswered') || jsonb_build_object('callError', $3::text), updated_at = now()
        WHERE id = $1 AND ${kind}_request->>'requestedAt' = $2 AND ${kind}_request->'unanswered' IS NOT NULL AND ${kind}_request->'requestId' IS NULL
        RETURNING id`,
      [id, requestedAt, code],
    ));
    return rows.length > 0;
  }

  /**
   * A GetDiagnostics the station answered without a fileName: OCPP 1.6 leaves it out when there is
   * nothing to upload, so no DiagnosticsStatusNotification follows. The request is recorded ended
   * (`nothingToUpload`), with the station's diagnostics status `Idle` (no diagnostics task going on,
   * the 1.6 status for it) at `at`, the answer's time: the request shows it, as a status received after it.
   * Unless a status came since the request was sent (`requestedAt`): some chargers leave the optional
   * fileName out and upload anyway, and may report before this runs; their status stays, and one
   * other than Idle means there is something to upload (so does a later one: `recordUploadStatus`).
   */
  async recordNothingToUpload(id: string, request: { requestedAt: string } & Record<string, unknown>, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE stations SET diagnostics_request = $2::jsonb || CASE WHEN diagnostics_status_at >= $4::timestamptz AND diagnostics_status <> 'Idle' THEN '{}'::jsonb ELSE '{"nothingToUpload": true}'::jsonb END,
         diagnostics_status = CASE WHEN diagnostics_status_at >= $4::timestamptz THEN diagnostics_status ELSE 'Idle' END,
         diagnostics_status_at = CASE WHEN diagnostics_status_at >= $4::timestamptz THEN diagnostics_status_at ELSE $3 END, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(request), at, request.requestedAt],
    );
  }

  /**
   * A signed firmware update or log upload the station accepted (security extension: it names a
   * requestId), with the station's latest status when that status named this request and came
   * after it was sent: the charger may report before its answer to us is processed.
   */
  async recordIdentifiedRequest(id: string, kind: IdentifiedKind, request: { requestId: number; requestedAt: string } & Record<string, unknown>): Promise<void> {
    await this.db.query(
      `UPDATE stations SET ${kind}_request = $2::jsonb || CASE WHEN ${kind}_status_request_id = $3 AND ${kind}_status_at >= $4::timestamptz
         THEN jsonb_build_object('status', ${kind}_status, 'statusAt', to_char(${kind}_status_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
         ELSE '{"status": null, "statusAt": null}'::jsonb END${kind === 'firmware' ? VERSION_BEFORE : ''}, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(request), Number.isSafeInteger(request.requestId) ? request.requestId : null, request.requestedAt],
    );
  }

  /**
   * The station's latest transfer status; for firmware and logs also the requestId it named (null
   * if none), replacing the previous one's, as the status itself does. Except a firmware or
   * diagnostics `Idle` over the outcome of the current (plain, 1.6) request: Idle is only sent when
   * triggered and says no transfer is going on, which that outcome already tells, and the request
   * shows the latest status after it was sent, so Installed/Uploaded read Idle. Idle still replaces
   * a status mid-transfer (the charger dropped it) or one older than the request (nothing since).
   */
  async recordUploadStatus(tx: EntityManager, id: string, kind: UploadKind, status: string, at: Date, requestId?: number): Promise<void> {
    const column = `${kind}_status`;
    // A reported status replaces an Installed inferred from a boot: the plain request shows it now.
    // A diagnostics status other than Idle: something is being uploaded after all (a fileName left out).
    const named =
      kind === 'diagnostics'
        ? `, diagnostics_request = CASE WHEN $2 <> 'Idle' THEN diagnostics_request - 'nothingToUpload' ELSE diagnostics_request END`
        : `, ${column}_request_id = $4${kind === 'firmware' ? `, ${UNINFERRED_PLAIN}` : ''}`;
    const keepOutcome =
      kind === 'log'
        ? ''
        : ` AND NOT ($2 = 'Idle' AND ${column} = ANY('{${OUTCOMES[kind].join(',')}}'::text[])${kind === 'firmware' ? ` AND ${column}_request_id IS NULL` : ''}
             AND ${column}_at >= COALESCE((${kind}_request->>'requestedAt')::timestamptz, '-infinity'))`;
    await tx.query(
      `UPDATE stations SET ${column} = $2, ${column}_at = $3${named}, updated_at = now() WHERE id = $1${keepOutcome}`,
      kind === 'diagnostics' ? [id, status, at] : [id, status, at, requestId ?? null],
    );
  }

  /**
   * A status naming the station's current signed firmware update or log upload becomes that
   * request's status; one naming another request (or an older one with the same id, sent before
   * it) leaves it as it is.
   */
  async recordRequestStatus(tx: EntityManager, id: string, kind: IdentifiedKind, requestId: number, status: string, at: Date): Promise<void> {
    await tx.query(
      `UPDATE stations SET ${kind}_request = (${kind}_request - '${INFERRED}') || jsonb_build_object('status', $3::text, 'statusAt', $4::text), updated_at = now()
       WHERE id = $1 AND ${kind}_request->'requestId' = to_jsonb($2::bigint) AND $4::text::timestamptz >= (${kind}_request->>'requestedAt')::timestamptz`,
      [id, requestId, status, at.toISOString()],
    );
  }

  /**
   * The request a status received at `at` belongs to, for its event: the station's current request
   * of `kind` when it was sent at or before `at` and, for a status naming a requestId (security
   * extension), it is the request with that id; for one naming none, a plain (1.6) request. None
   * refused by a late CallError (`callError`): the charger never took it on.
   */
  async requestOf(tx: EntityManager, id: string, kind: 'firmware' | 'diagnostics', at: Date, requestId?: number): Promise<{ requestedAt: Date } | undefined> {
    const rows = returnedRows<{ requested_at: Date }>(await tx.query(
      `SELECT (${kind}_request->>'requestedAt')::timestamptz AS requested_at FROM stations
        WHERE id = $1 AND (${kind}_request->>'requestedAt')::timestamptz <= $2 AND ${kind}_request->'callError' IS NULL
          AND ${kind}_request->'requestId' IS NOT DISTINCT FROM to_jsonb($3::bigint)`,
      [id, at, requestId ?? null],
    ));
    return rows[0] && { requestedAt: rows[0].requested_at };
  }

  /**
   * The station booted with a firmwareVersion other than the one it ran when it accepted its current
   * firmware request, whose latest status says the update was under way (BEFORE_INSTALL, or none
   * since the request): it runs the new firmware, and the request is recorded `Installed`, flagged
   * `installedInferredFromBoot`. Many chargers report Installing, reboot, and then only boot, so
   * the request read Installing for ever. A boot on the same version tells nothing (still pending,
   * or failed): left as it is. Nothing either for a request recorded before its version was kept.
   * A station that had reported none (`firmwareVersionBefore` null) and now reports one also booted
   * on another firmware (`firmwareVersion` is only given here when reported), but only with a status
   * since the request saying the update was under way: null is also a station never seen booting
   * (one that reconnected without a boot when it moved here), whose first boot tells nothing of the
   * update. Nor for a request refused by a late CallError (`callError`). Returns the request it
   * recorded installed, if it did.
   */
  async recordInstalledAtBoot(tx: EntityManager, id: string, firmwareVersion: string, at: Date): Promise<{ requestedAt: Date; requestId?: number } | undefined> {
    const requested = `(firmware_request->>'requestedAt')::timestamptz`;
    const plainStatus = `CASE WHEN firmware_status_request_id IS NULL AND firmware_status_at >= ${requested} THEN firmware_status END`;
    const rows = returnedRows(await tx.query(
      `UPDATE stations SET firmware_status = 'Installed', firmware_status_at = $3, firmware_status_request_id = (firmware_request->>'requestId')::bigint,
         firmware_request = firmware_request || jsonb_build_object('${INFERRED}', true) || CASE WHEN firmware_request->'requestId' IS NULL THEN '{}'::jsonb
           ELSE jsonb_build_object('status', 'Installed', 'statusAt', to_char($3::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END,
         updated_at = now()
       WHERE id = $1 AND jsonb_typeof(firmware_request->'firmwareVersionBefore') IN ('string', 'null') AND firmware_request->>'firmwareVersionBefore' IS DISTINCT FROM $2
         AND firmware_request->'callError' IS NULL
         AND $3::timestamptz >= ${requested}
         AND COALESCE(CASE WHEN firmware_request->'requestId' IS NULL THEN ${plainStatus} ELSE firmware_request->>'status' END, '')
           = ANY(CASE WHEN jsonb_typeof(firmware_request->'firmwareVersionBefore') = 'string' THEN $4::text[] ELSE $5::text[] END)
       RETURNING ${requested} AS requested_at, (firmware_request->>'requestId')::bigint AS request_id`,
      [id, firmwareVersion, at, ['', ...BEFORE_INSTALL], BEFORE_INSTALL],
    ));
    const row = rows[0] as { requested_at: Date; request_id: string | null } | undefined;
    return row && { requestedAt: row.requested_at, ...(row.request_id === null ? {} : { requestId: Number(row.request_id) }) };
  }
}
