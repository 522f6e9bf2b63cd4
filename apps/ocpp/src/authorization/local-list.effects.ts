import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { DataSource } from 'typeorm';
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
    private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    this.executor.afterAnswer('SendLocalList', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.SendLocalListRequest;
      const status = (answer as unknown as Ocpp16.SendLocalListResponse).status;
      await this.store(ctx.stationId, req.listVersion, req.updateType, status, req.localAuthorizationList?.length ?? 0, status === 'Accepted');
    });
    this.executor.afterAnswer('GetLocalListVersion', async (ctx, _payload, answer) => {
      const version = (answer as unknown as Ocpp16.GetLocalListVersionResponse).listVersion;
      await this.store(ctx.stationId, version, 'Reported', version < 0 ? 'NotSupported' : 'Reported', 0, true);
    });
  }

  private async store(stationId: string, version: number, updateType: string, status: string, entries: number, versionChanged: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (station_id) DO UPDATE SET list_version = CASE WHEN $6 THEN EXCLUDED.list_version ELSE local_lists.list_version END,
         update_type = EXCLUDED.update_type, status = EXCLUDED.status, entries = CASE WHEN $6 THEN EXCLUDED.entries ELSE local_lists.entries END, updated_at = now()`,
      [stationId, version, updateType, status, entries, versionChanged],
    );
  }
}
