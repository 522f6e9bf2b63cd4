import { Inject, Injectable } from '@nestjs/common';
import { OcppCommandErrorCode, stationIdProblem } from '@cpo/contracts';
import { APP_CONFIG, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import type { Logger } from 'pino';
import { CommandService } from '../commands/command.service.js';
import type { OcppConfig } from '../config.js';
import { credentialsFingerprint, identityFromPath } from '../connection/identity.js';
import { StationChanges } from '../connection/station-changes.js';
import { aliasProblem } from '../connection/subprotocol-quirks.js';
import { hashPassword, PasswordVerifier } from '../stations/password.js';
import { StationRepository, type StationAdmission } from '../stations/station.repository.js';
import type { UpsertStationDto } from './dto.js';

const STRICT_RULE = 'must be 1–48 of A–Z a–z 0–9 * - _ = + | @ . to connect (OCPP_LEGACY_IDENTITIES is off; on, any printable characters but : and /)';

/**
 * Why no charger could connect as `stationId` under the current identity setting, or undefined. It
 * asks the check the WebSocket upgrade makes (identityFromPath) about the path such a charger would
 * open, so the two cannot disagree: a station registered under an id the upgrade refuses is Offline
 * to every command for good. Without legacy identities that is the OCPP 2.0.1 identifier set.
 */
export function unconnectableStationId(stationId: string, config: Pick<OcppConfig, 'OCPP_PATH_PREFIX' | 'OCPP_LEGACY_IDENTITIES'>): string | undefined {
  // The rule every service names stations by, also under legacy identities (it refuses lone surrogates besides).
  const problem = stationIdProblem(stationId);
  if (problem) return problem;
  const prefix = config.OCPP_PATH_PREFIX;
  const upgrade = identityFromPath(`${prefix}/${encodeURIComponent(stationId)}`, prefix, config.OCPP_LEGACY_IDENTITIES);
  return upgrade.ok && upgrade.stationId === stationId ? undefined : STRICT_RULE;
}

/** Operator changes to a station's registration and security settings. */
@Injectable()
export class StationAdminService {
  private readonly passwords = new PasswordVerifier();

  constructor(
    private readonly stations: StationRepository,
    private readonly changes: StationChanges,
    private readonly commands: CommandService,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** True when the station was created (it did not exist), false when an existing one was changed. */
  async upsert(stationId: string, dto: UpsertStationDto): Promise<boolean> {
    const named = stationIdProblem(stationId);
    if (named) throw new ValidationError(`invalid station id: ${named}`, { stationId: named });
    const before = await this.stations.admission(stationId);
    // Creating one no charger can connect as is refused; one already stored (e.g. while legacy
    // identities were on) may still be changed, e.g. rejected.
    const unconnectable = before ? undefined : unconnectableStationId(stationId, this.config);
    if (unconnectable) throw new ValidationError(`invalid station id: ${unconnectable}`, { stationId: unconnectable });
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
    if (before && before.registrationStatus !== 'Accepted' && dto.registrationStatus === 'Accepted' && !credentialsChanged) this.askToBoot(stationId);
    return created;
  }

  /**
   * A connected station that was Pending keeps its session's status until it boots again, and
   * until then gets SecurityError for every message (guide §2.1 registration gate): ask it to boot
   * now (TriggerMessage is allowed while Pending, guide §2.7), on whichever replica holds its socket.
   * Not awaited: the operator's change is made whether or not the charger is there or complies.
   */
  private askToBoot(stationId: string): void {
    void this.commands
      .send(stationId, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } })
      .then((reply) => {
        if (reply.status === 'error' && reply.code !== OcppCommandErrorCode.Offline) this.logger.info({ stationId, code: reply.code }, 'accepted station was not asked to boot again');
      })
      .catch((err: unknown) => this.logger.warn({ err, stationId }, 'could not ask an accepted station to boot again'));
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
