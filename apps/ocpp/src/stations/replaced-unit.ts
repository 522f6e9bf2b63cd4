import type { EntityManager } from 'typeorm';
import { forgetListOfReplacedUnit } from '../authorization/local-list-replaced.js';
import { forgetOperatorProfiles } from '../operator-profiles/operator-profiles.repository.js';

/** The serial numbers a BootNotification reports. */
export interface BootSerials {
  serialNumber?: string;
  chargeBoxSerialNumber?: string;
}

/**
 * A boot reporting a serial number (chargePointSerialNumber, chargeBoxSerialNumber) other than the
 * one stored is another unit under the station's identity (a faulty charger swapped). A serial
 * stored as none proves nothing: the earlier unit reported none; nor does one reported as none now
 * (a firmware leaving the optional field out). Read before the boot is recorded (it compares with
 * the stored serials), under the station row's lock the boot's record takes anyway: taken first, so
 * that the boot locks the station, then its list, as a station's deletion does.
 */
async function isReplacedUnit(tx: EntityManager, stationId: string, serials: BootSerials): Promise<boolean> {
  if (serials.serialNumber == null && serials.chargeBoxSerialNumber == null) return false;
  const rows: unknown[] = await tx.query(
    `SELECT 1 FROM stations s WHERE s.id = $1
        AND ((s.serial_number IS NOT NULL AND $2::text IS NOT NULL AND s.serial_number <> $2) OR (s.charge_box_serial_number IS NOT NULL AND $3::text IS NOT NULL AND s.charge_box_serial_number <> $3))
        FOR UPDATE`,
    [stationId, serials.serialNumber ?? null, serials.chargeBoxSerialNumber ?? null],
  );
  return rows.length > 0;
}

/**
 * What the old unit held and the new one does not, forgotten in the boot's transaction: the
 * operator's charging profiles, and its local list (unknown until the new unit reports its version,
 * then sent to it whole). Its configuration and learned capabilities are forgotten by the boot's
 * record (StationRepository.recordBoot: a changed unit is read again; changes the old unit staged
 * for its reboot, `RebootRequired`, are dropped, not applied). Returns whether the unit was
 * replaced: what the operator asked of the old one and the new one should still do (an Inoperative
 * connector, a live reservation) is sent again once the boot is accepted (ReplacedUnitReapply).
 */
export async function forgetReplacedUnit(tx: EntityManager, stationId: string, serials: BootSerials): Promise<boolean> {
  if (!(await isReplacedUnit(tx, stationId, serials))) return false;
  await forgetOperatorProfiles(tx, stationId);
  await forgetListOfReplacedUnit(tx, stationId);
  return true;
}
