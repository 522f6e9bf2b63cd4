import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { JsonObject, Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor } from '../commands/command-executor.js';
import { StationRepository } from './station.repository.js';

/**
 * Records the UpdateFirmware / GetDiagnostics a station accepted (a CallResult: UpdateFirmware's
 * is empty, GetDiagnostics' names the file, or none when there is nothing to upload). OCPP 1.6
 * Firmware/DiagnosticsStatusNotifications carry no request id (guide §2.3), so the station view
 * ties a status to this request only when it was received after the request was sent.
 */
@Injectable()
export class TransferRequestEffects implements OnModuleInit {
  /** When each request went out: a charger may report progress before its answer is processed. */
  private readonly sentAt = new WeakMap<JsonObject, Date>();

  constructor(
    private readonly executor: CommandExecutor,
    private readonly stations: StationRepository,
  ) {}

  onModuleInit(): void {
    const stamp = async (_ctx: unknown, payload: JsonObject) => void this.sentAt.set(payload, new Date());
    this.executor.beforeSending('UpdateFirmware', stamp);
    this.executor.beforeSending('GetDiagnostics', stamp);
    this.executor.afterAnswer('UpdateFirmware', async (ctx, payload) => {
      const req = payload as unknown as Ocpp16.UpdateFirmwareRequest;
      await this.stations.recordTransferRequest(ctx.stationId, 'firmware', {
        location: req.location,
        retrieveDate: req.retrieveDate,
        retries: req.retries ?? null,
        retryInterval: req.retryInterval ?? null,
        requestedAt: this.requestedAt(payload),
      });
    });
    this.executor.afterAnswer('GetDiagnostics', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.GetDiagnosticsRequest;
      await this.stations.recordTransferRequest(ctx.stationId, 'diagnostics', {
        location: req.location,
        startTime: req.startTime ?? null,
        stopTime: req.stopTime ?? null,
        fileName: (answer as unknown as Ocpp16.GetDiagnosticsResponse).fileName ?? null,
        requestedAt: this.requestedAt(payload),
      });
    });
  }

  private requestedAt(payload: JsonObject): string {
    return (this.sentAt.get(payload) ?? new Date()).toISOString();
  }
}
