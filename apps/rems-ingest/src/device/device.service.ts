import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { RegisterResult } from '@cpo/rems-protocol';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuthService } from '../auth/auth.service.js';
import { hashPassword } from '../auth/password.js';
import type { DeviceIdentity } from '../auth/token.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { newDevicePassword } from '../common/ids.js';
import { remsError } from '../device-api/rems-errors.js';
import { DeviceDirectory } from '../meter/device-directory.js';
import { TransceiverRepository } from '../transceivers/transceiver.repository.js';

/** Registration (INACTIVE → ACTIVE with a new password) and reset (ACTIVE → INACTIVE, tokens revoked). */
@Injectable()
export class DeviceService {
  private readonly logger: Logger;

  constructor(
    private readonly db: DataSource,
    private readonly transceivers: TransceiverRepository,
    private readonly auth: AuthService,
    private readonly directory: DeviceDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'device' });
  }

  async register(tenantAlias: string, serialId: string): Promise<RegisterResult> {
    const password = newDevicePassword();
    const passwordHash = await hashPassword(password);
    const transceiverId = await this.db.transaction(async (tx) => {
      const device = await this.transceivers.lockBySerial(tx, tenantAlias, serialId);
      if (!device) throw remsError('DEVICE_NOT_FOUND', `no transceiver ${serialId} in tenant ${tenantAlias}; create it in the admin first`);
      if (device.status === 'ACTIVE') throw remsError('ALREADY_CONNECTED', 'device is already connected; reset it from the admin or the device before registering again');
      await this.transceivers.activate(tx, device.transceiverId, passwordHash, this.clock.now());
      return device.transceiverId;
    });
    this.directory.invalidate(transceiverId);
    this.logger.info({ tenantAlias, serialId, transceiverId }, 'device registered');
    return { transceiverId, password, tenantAlias };
  }

  async reset(caller: DeviceIdentity, tenantAlias: string, serialId: string): Promise<true> {
    if (caller.tenantAlias !== tenantAlias || caller.serialId !== serialId) throw remsError('FORBIDDEN', 'a device may only reset itself');
    await this.db.transaction(async (tx) => {
      const device = await this.transceivers.lockBySerial(tx, tenantAlias, serialId);
      if (!device) throw remsError('DEVICE_NOT_FOUND', `no transceiver ${serialId} in tenant ${tenantAlias}`);
      await this.transceivers.deactivate(tx, device.transceiverId);
      await this.auth.revokeAll(tx, device.transceiverId);
    });
    this.directory.invalidate(caller.transceiverId);
    this.logger.info({ tenantAlias, serialId, transceiverId: caller.transceiverId }, 'device reset');
    return true;
  }
}
