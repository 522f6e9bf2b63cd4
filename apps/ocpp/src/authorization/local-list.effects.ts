import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListRepository } from './local-list.repository.js';
import { CommandExecutor } from '../commands/command-executor.js';

/**
 * Remembers the local authorisation list version each charger holds: set by an accepted
 * SendLocalList, read back by GetLocalListVersion (`-1` = not supported). After a Failed or
 * VersionMismatch differential update the stored status tells the operator to send a full list.
 */
@Injectable()
export class LocalListEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly lists: LocalListRepository,
  ) {}

  onModuleInit(): void {
    this.executor.afterAnswer('SendLocalList', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.SendLocalListRequest;
      const status = (answer as unknown as Ocpp16.SendLocalListResponse).status;
      await this.lists.store(ctx.stationId, req.listVersion, req.updateType, status, req.localAuthorizationList?.length ?? 0, status === 'Accepted');
    });
    this.executor.afterAnswer('GetLocalListVersion', async (ctx, _payload, answer) => {
      const version = (answer as unknown as Ocpp16.GetLocalListVersionResponse).listVersion;
      await this.lists.store(ctx.stationId, version, 'Reported', version < 0 ? 'NotSupported' : 'Reported', 0, true);
    });
  }
}
