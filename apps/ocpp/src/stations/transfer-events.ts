import { schemaVersionOf, Subjects, validateEvent, type EventMap } from '@cpo/contracts';

type TransferSubject = typeof Subjects.OcppFirmwareStatus | typeof Subjects.OcppDiagnosticsStatus;

/** What a transfer status event is built from: the status as reported and the request it belongs to. */
export interface TransferStatus {
  stationId: string;
  status: string;
  statusAt: Date;
  /** The requestId a security-extension notification named. */
  requestId?: number;
  /** When the request the status belongs to was sent (TransferRepository.requestOf). */
  requestedAt?: Date;
  /** An Installed inferred from a boot (TransferRepository.recordInstalledAtBoot). */
  inferredFromBoot?: boolean;
}

/**
 * The `ocpp.firmware.status` / `ocpp.diagnostics.status` payload of a status, or the reason it is
 * not one: a lenient charger's status outside the enumeration is stored as sent but not published
 * (the notification must still be answered, so the event never fails its commit).
 */
export function transferStatusEvent<S extends TransferSubject>(subject: S, s: TransferStatus): { event: EventMap[S] } | { invalid: string } {
  const event = {
    stationId: s.stationId,
    status: s.status,
    ...(subject === Subjects.OcppFirmwareStatus && s.requestId !== undefined ? { requestId: s.requestId } : {}),
    ...(s.requestedAt ? { requestedAt: s.requestedAt.toISOString() } : {}),
    ...(s.inferredFromBoot ? { inferredFromBoot: true } : {}),
    statusAt: s.statusAt.toISOString(),
  };
  const checked = validateEvent(subject, schemaVersionOf(subject), event);
  return checked.ok ? { event: checked.value } : { invalid: checked.reason };
}
