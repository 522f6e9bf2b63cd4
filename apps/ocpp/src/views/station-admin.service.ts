import { Injectable } from '@nestjs/common';
import { ValidationError } from '@cpo/platform';
import { isLegacyIdentity } from '../connection/identity.js';
import { StationChanges } from '../connection/station-changes.js';
import { aliasProblem } from '../connection/subprotocol-quirks.js';
import { hashPassword } from '../stations/password.js';
import { StationRepository } from '../stations/station.repository.js';
import type { UpsertStationDto } from './dto.js';

/** Operator changes to a station's registration and security settings. */
@Injectable()
export class StationAdminService {
  constructor(
    private readonly stations: StationRepository,
    private readonly changes: StationChanges,
  ) {}

  async upsert(stationId: string, dto: UpsertStationDto): Promise<void> {
    if (!isLegacyIdentity(stationId)) throw new ValidationError('invalid station id', { stationId: '1–48 printable characters, no : or /' });
    if (dto.securityProfile !== undefined && dto.securityProfile > 0 && dto.password === undefined) {
      if (!(await this.stations.admission(stationId))?.passwordHash) throw new ValidationError('security profile 1 and 2 need a password', { password: 'required for security profile 1 or 2' });
    }
    const problem = dto.subprotocolAliases && aliasProblem(dto.subprotocolAliases);
    if (problem) throw new ValidationError('invalid subprotocol aliases', { subprotocolAliases: problem });
    const hash = dto.password === undefined ? null : await hashPassword(dto.password);
    await this.stations.upsertSettings(stationId, { ...dto, passwordHash: hash });
    if (dto.validationPolicy !== undefined || dto.registrationStatus !== undefined) {
      this.changes.announce({ stationId, validationPolicy: dto.validationPolicy, registrationStatus: dto.registrationStatus });
    }
  }

  async remove(stationId: string): Promise<boolean> {
    const removed = await this.stations.remove(stationId);
    this.changes.announce({ stationId, deleted: true });
    return removed;
  }
}
