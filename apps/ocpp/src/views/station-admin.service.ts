import { Injectable } from '@nestjs/common';
import { ValidationError } from '@cpo/platform';
import { credentialsFingerprint, isLegacyIdentity } from '../connection/identity.js';
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
    const hash = dto.password === undefined ? null : ((await this.samePassword(before, dto.password)) ? before!.passwordHash : await hashPassword(dto.password));
    const created = await this.stations.upsertSettings(stationId, { ...dto, passwordHash: hash });
    const credentialsChanged = before !== undefined && (await this.credentialsChanged(before));
    if (credentialsChanged || dto.validationPolicy !== undefined || dto.registrationStatus !== undefined) {
      this.changes.announce({ stationId, validationPolicy: dto.validationPolicy, registrationStatus: dto.registrationStatus, ...(credentialsChanged ? { credentialsChanged } : {}) });
    }
    return created;
  }

  /**
   * The same password sent again keeps its stored hash (not a new salt): it changes nothing for the
   * charger, and the session re-check of every replica compares the hash its session was admitted under.
   * The stored hash given back also keeps a pending key (StationRepository.upsertSettings).
   */
  private async samePassword(before: StationAdmission | undefined, password: string): Promise<boolean> {
    return !!before?.passwordHash && (await this.passwords.verify(before.passwordHash, Buffer.from(password, 'utf8')));
  }

  /**
   * Whether the committed change alters how the station authenticates: another password, or another
   * security profile (setting a password may raise it to 1); the same comparison SessionRecheck makes.
   * A station that did not exist has no session.
   */
  private async credentialsChanged(before: StationAdmission): Promise<boolean> {
    const after = await this.stations.admission(before.id);
    return after !== undefined && credentialsFingerprint(after) !== credentialsFingerprint(before);
  }

  async remove(stationId: string): Promise<boolean> {
    const removed = await this.stations.remove(stationId);
    this.changes.announce({ stationId, deleted: true });
    return removed;
  }
}
