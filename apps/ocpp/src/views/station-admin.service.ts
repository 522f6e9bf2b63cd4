import { Injectable } from '@nestjs/common';
import { ValidationError } from '@cpo/platform';
import { isLegacyIdentity } from '../connection/identity.js';
import { StationChanges } from '../connection/station-changes.js';
import { aliasProblem } from '../connection/subprotocol-quirks.js';
import { hashPassword, PasswordVerifier } from '../stations/password.js';
import { StationRepository, type StationAdmission } from '../stations/station.repository.js';
import type { UpsertStationDto } from './dto.js';

/** Operator changes to a station's registration and security settings. */
@Injectable()
export class StationAdminService {
  private readonly passwords = new PasswordVerifier();

  constructor(
    private readonly stations: StationRepository,
    private readonly changes: StationChanges,
  ) {}

  /** True when the station was created (it did not exist), false when an existing one was changed. */
  async upsert(stationId: string, dto: UpsertStationDto): Promise<boolean> {
    if (!isLegacyIdentity(stationId)) throw new ValidationError('invalid station id', { stationId: '1–48 printable characters, no : or /' });
    const before = await this.stations.admission(stationId);
    if (dto.securityProfile !== undefined && dto.securityProfile > 0 && dto.password === undefined && !before?.passwordHash) {
      throw new ValidationError('security profile 1 and 2 need a password', { password: 'required for security profile 1 or 2' });
    }
    const problem = dto.subprotocolAliases && aliasProblem(dto.subprotocolAliases);
    if (problem) throw new ValidationError('invalid subprotocol aliases', { subprotocolAliases: problem });
    const hash = dto.password === undefined ? null : await hashPassword(dto.password);
    const created = await this.stations.upsertSettings(stationId, { ...dto, passwordHash: hash });
    const credentialsChanged = before !== undefined && (await this.credentialsChanged(before, dto));
    if (credentialsChanged || dto.validationPolicy !== undefined || dto.registrationStatus !== undefined) {
      this.changes.announce({ stationId, validationPolicy: dto.validationPolicy, registrationStatus: dto.registrationStatus, ...(credentialsChanged ? { credentialsChanged } : {}) });
    }
    return created;
  }

  /**
   * Whether the committed change alters how the station authenticates: another password, or another
   * security profile (setting a password may raise it to 1). The same password sent again changes
   * nothing for the charger, so its session stays; so does a station that did not exist (no session).
   */
  private async credentialsChanged(before: StationAdmission, dto: UpsertStationDto): Promise<boolean> {
    const after = await this.stations.admission(before.id);
    if (after && after.securityProfile !== before.securityProfile) return true;
    if (dto.password === undefined) return false;
    return !before.passwordHash || !(await this.passwords.verify(before.passwordHash, Buffer.from(dto.password, 'utf8')));
  }

  async remove(stationId: string): Promise<boolean> {
    const removed = await this.stations.remove(stationId);
    this.changes.announce({ stationId, deleted: true });
    return removed;
  }
}
