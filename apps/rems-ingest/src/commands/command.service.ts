import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import {
  checkTransition,
  isTerminal,
  skipsAcknowledgement,
  type ControlCommand,
  type DirectProcessRequest,
  type FirmwareCheckRequest,
  type FirmwareUpdate,
  type ProcessStatusRequest,
} from '@cpo/rems-protocol';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { DeviceIdentity } from '../auth/token.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { newCommandId } from '../common/ids.js';
import { remsError } from '../device-api/rems-errors.js';
import { TransceiverRepository } from '../transceivers/transceiver.repository.js';
import { CommandPublisher } from './command.publisher.js';
import { CommandRepository } from './command.repository.js';
import { latestVersion, needsUpdate, type FirmwareTarget } from './firmware-targets.js';

/** Control commands and firmware updates of the device API (5.6–5.11). */
@Injectable()
export class CommandService {
  private readonly logger: Logger;

  constructor(
    private readonly db: DataSource,
    private readonly commands: CommandRepository,
    private readonly transceivers: TransceiverRepository,
    private readonly publisher: CommandPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'commands' });
  }

  pending(device: DeviceIdentity): Promise<ControlCommand[]> {
    return this.commands.open(device.transceiverId);
  }

  /** 5.7: one UPDATE command per outdated target, reusing an open one for the same target and version. Empty: nothing to do. */
  async checkFirmware(device: DeviceIdentity, request: FirmwareCheckRequest): Promise<FirmwareUpdate[]> {
    const type = request.type ?? 'ALL';
    return this.db.transaction(async (tx) => {
      const targets = (await this.targets(tx, device.transceiverId)).filter(
        (t) => (type === 'ALL' || t.deviceModelType === type) && (request.port === undefined || (t.deviceModelType === 'MODULE' && t.port === request.port)),
      );
      const updates: FirmwareUpdate[] = [];
      for (const target of targets) {
        if (target.modelId === null) continue;
        const versions = await this.commands.firmwareVersions(target.modelId, tx);
        const latest = latestVersion(versions);
        if (!latest || !needsUpdate(target.installedVersion, latest, versions)) continue;
        const command =
          (await this.commands.findOpenUpdate(tx, device.transceiverId, target.deviceModelType, target.port, latest.version)) ??
          (await this.commands.insert(tx, { id: newCommandId(this.clock.now()), transceiverId: device.transceiverId, type: 'UPDATE', deviceModelType: target.deviceModelType, port: target.port, version: latest.version, url: latest.url, at: this.clock.now() }));
        updates.push(toFirmwareUpdate(command));
      }
      return updates;
    });
  }

  /** 5.8 */
  async firmwareUpdate(device: DeviceIdentity, id: string): Promise<FirmwareUpdate> {
    const command = await this.commands.findForTransceiver(id, device.transceiverId);
    if (!command || command.type !== 'UPDATE') throw remsError('COMMAND_NOT_FOUND', `no firmware update ${id} for this device`);
    return toFirmwareUpdate(command);
  }

  /** 5.9: the update finished; same as reporting COMPLETED through 5.11. */
  async completeFirmwareUpdate(device: DeviceIdentity, id: string): Promise<true> {
    await this.updateStatus(device, { id, status: 'COMPLETED' }, 'UPDATE');
    return true;
  }

  /** 5.10: what the admin UI does; defaults VERIFY on the TRANSCEIVER (port 0 for a MODULE). Published on MQTT after commit. */
  async createCommand(device: DeviceIdentity, request: DirectProcessRequest): Promise<ControlCommand> {
    if (request.type === undefined) this.logger.warn({ transceiverId: device.transceiverId }, 'direct-process without type; defaulting to VERIFY');
    const type = request.type ?? 'VERIFY';
    const deviceModelType = request.deviceModelType ?? 'TRANSCEIVER';
    const port = deviceModelType === 'MODULE' ? (request.port ?? 0) : null;
    const command = await this.db.transaction(async (tx) => {
      let version: string | null = null;
      let url: string | null = null;
      if (type === 'UPDATE') {
        const target = (await this.targets(tx, device.transceiverId)).find((t) => t.deviceModelType === deviceModelType && t.port === port);
        const latest = target?.modelId ? latestVersion(await this.commands.firmwareVersions(target.modelId, tx)) : undefined;
        if (!latest) throw remsError('VALIDATION_FAILED', 'no firmware version is known for this target', { type: 'UPDATE needs a model with at least one firmware version' });
        ({ version, url } = latest);
      }
      return this.commands.insert(tx, { id: newCommandId(this.clock.now()), transceiverId: device.transceiverId, type, deviceModelType, port, version, url, at: this.clock.now() });
    });
    // Not awaited: while the broker is away mqtt.js holds QoS 1 publishes until it reconnects, and the
    // device answer must not wait for that. The publisher logs and counts its own failures, and the
    // device sees the command through 5.6 anyway.
    void this.publisher.publish(command);
    return command;
  }

  /** 5.11 */
  async reportStatus(device: DeviceIdentity, request: ProcessStatusRequest): Promise<true> {
    await this.updateStatus(device, request);
    return true;
  }

  private async updateStatus(device: DeviceIdentity, request: ProcessStatusRequest, onlyType?: ControlCommand['type']): Promise<void> {
    await this.db.transaction(async (tx) => {
      const command = await this.commands.findForTransceiver(request.id, device.transceiverId, tx, true);
      if (!command || (onlyType && command.type !== onlyType)) throw remsError('COMMAND_NOT_FOUND', `no command ${request.id} for this device`);
      const outcome = checkTransition(command.status, request.status);
      if (outcome === 'noop') return;
      if (outcome === 'invalid') throw remsError('INVALID_STATUS_TRANSITION', `cannot go from ${command.status} to ${request.status}`);
      if (skipsAcknowledgement(command.status, request.status)) this.logger.info({ commandId: command.id, to: request.status }, 'device skipped the PROCESSING acknowledgement');
      await this.commands.setStatus(tx, command.id, request.status, isTerminal(request.status), request.message ?? null, this.clock.now());
      if (command.type === 'UPDATE' && request.status === 'COMPLETED' && command.version) await this.recordInstalled(tx, command, command.version);
    });
  }

  private async recordInstalled(tx: EntityManager, command: ControlCommand, version: string): Promise<void> {
    if (command.deviceModelType === 'TRANSCEIVER') await this.transceivers.setInstalledVersion(tx, command.transceiverId, version);
    else await this.transceivers.setModuleInstalledVersion(tx, command.transceiverId, command.port ?? 0, version);
  }

  private async targets(tx: EntityManager, transceiverId: string): Promise<FirmwareTarget[]> {
    const transceiver = await this.transceivers.findById(transceiverId, tx);
    if (!transceiver) throw remsError('DEVICE_NOT_FOUND', 'device no longer exists');
    const modules = await this.transceivers.modules(transceiverId, tx);
    return [
      { deviceModelType: 'TRANSCEIVER', port: null, modelId: transceiver.modelId, installedVersion: transceiver.installedVersion },
      ...modules.map((m) => ({ deviceModelType: 'MODULE' as const, port: m.port, modelId: m.modelId, installedVersion: m.installedVersion })),
    ];
  }
}

function toFirmwareUpdate(command: ControlCommand): FirmwareUpdate {
  const update: FirmwareUpdate = { id: command.id, version: command.version ?? '', type: command.deviceModelType, url: command.url ?? '' };
  if (command.deviceModelType === 'MODULE') update.port = command.port ?? 0;
  return update;
}
