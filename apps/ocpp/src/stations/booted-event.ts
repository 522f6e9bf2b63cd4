import { schemaVersionOf, Subjects, validateEvent, type OcppStationBooted } from '@cpo/contracts';
import type { Ocpp16 } from '@cpo/ocpp-protocol';

/** A non-empty string as sent, else undefined (a lenient charger's field may be absent, a number, an object). */
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * `ocpp.station.booted` for a BootNotification, as the contract can carry it. A lenient station's
 * boot is processed below the schema (it has no core fields), so its vendor or model may be missing
 * and its serial or firmware no text: the contract's vendor and model (required, empty allowed) are
 * then empty, the optional details left out. The station row keeps what was sent. `invalid` (the
 * reason) when even that breaks the contract (e.g. a vendor beyond its 255 characters): the caller
 * publishes nothing then, since a failed enqueue would refuse the boot and the charger never registers.
 */
export function stationBootedEvent(
  stationId: string,
  req: Ocpp16.BootNotificationRequest,
  answer: { registrationStatus: OcppStationBooted['registrationStatus']; intervalS: number; bootedAt: Date },
): { event?: OcppStationBooted; invalid?: string } {
  const event: OcppStationBooted = {
    stationId,
    vendor: typeof req.chargePointVendor === 'string' ? req.chargePointVendor : '',
    model: typeof req.chargePointModel === 'string' ? req.chargePointModel : '',
    serialNumber: text(req.chargePointSerialNumber) ?? text(req.chargeBoxSerialNumber),
    firmwareVersion: text(req.firmwareVersion),
    registrationStatus: answer.registrationStatus,
    intervalS: answer.intervalS,
    bootedAt: answer.bootedAt.toISOString(),
  };
  const checked = validateEvent(Subjects.OcppStationBooted, schemaVersionOf(Subjects.OcppStationBooted), event);
  return checked.ok ? { event } : { invalid: checked.reason };
}
