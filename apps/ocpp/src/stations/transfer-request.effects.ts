import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { JsonObject, Ocpp16 } from '@cpo/ocpp-protocol';
import { CommandExecutor, mayHaveReachedCharger, type CallFailure } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { TransferRepository } from './transfer.repository.js';

/** Answers of SignedUpdateFirmware / GetLog by which the charger takes the request on. */
const TAKEN_ON = new Set(['Accepted', 'AcceptedCanceled']);

/**
 * Records the UpdateFirmware / GetDiagnostics a station accepted (a CallResult: UpdateFirmware's
 * is empty, GetDiagnostics' names the file, or none when there is nothing to upload: then recorded
 * ended, `nothingToUpload`, with the station's diagnostics status `Idle`), or may have
 * got without our seeing its answer (`unanswered`: the failure, e.g. `timeout`). OCPP 1.6
 * Firmware/DiagnosticsStatusNotifications carry no request id (guide §2.3), so the station view
 * ties a status to this request only when it was received after the request was sent.
 *
 * Also the security extension's SignedUpdateFirmware / GetLog a station accepted (`Accepted`, or
 * `AcceptedCanceled`: it dropped its ongoing one for this). Their statuses name the requestId, so
 * they are matched exactly (StationService.uploadStatus). A signed update is recorded as the
 * station's `firmware_request`, replacing a plain one and replaced by one: a charger runs one
 * firmware update at a time, and its firmware status is shared by both kinds. Logs get their own
 * `log_request`, beside `diagnostics_request`, as their statuses are kept apart.
 */
@Injectable()
export class TransferRequestEffects implements OnModuleInit {
  /** When each request went out: a charger may report progress before its answer is processed. */
  private readonly sentAt = new WeakMap<JsonObject, Date>();

  constructor(
    private readonly executor: CommandExecutor,
    private readonly transfers: TransferRepository,
  ) {}

  onModuleInit(): void {
    const stamp = async (_ctx: unknown, payload: JsonObject) => void this.sentAt.set(payload, new Date());
    this.executor.beforeSending('UpdateFirmware', stamp);
    this.executor.beforeSending('GetDiagnostics', stamp);
    this.executor.beforeSending('SignedUpdateFirmware', stamp);
    this.executor.beforeSending('GetLog', stamp);
    const firmware = async (ctx: StationContext, payload: JsonObject, unanswered?: CallFailure['kind']) => {
      const req = payload as unknown as Ocpp16.UpdateFirmwareRequest;
      await this.transfers.recordTransferRequest(ctx.stationId, 'firmware', {
        location: req.location,
        retrieveDate: req.retrieveDate,
        retries: req.retries ?? null,
        retryInterval: req.retryInterval ?? null,
        requestedAt: this.requestedAt(payload),
        ...(unanswered ? { unanswered } : {}),
      });
    };
    const diagnostics = async (ctx: StationContext, payload: JsonObject, fileName: string | null, unanswered?: CallFailure['kind']) => {
      const req = payload as unknown as Ocpp16.GetDiagnosticsRequest;
      const request = {
        location: req.location,
        startTime: req.startTime ?? null,
        stopTime: req.stopTime ?? null,
        fileName,
        requestedAt: this.requestedAt(payload),
        ...(unanswered ? { unanswered } : {}),
      };
      // Answered without a file name: nothing to upload (OCPP 1.6), so no status will follow.
      if (fileName === null && !unanswered) await this.transfers.recordNothingToUpload(ctx.stationId, request, new Date());
      else await this.transfers.recordTransferRequest(ctx.stationId, 'diagnostics', request);
    };
    this.executor.afterAnswer('UpdateFirmware', (ctx, payload) => firmware(ctx, payload));
    this.executor.afterAnswer('GetDiagnostics', (ctx, payload, answer) => {
      const { fileName } = answer as unknown as Ocpp16.GetDiagnosticsResponse;
      return diagnostics(ctx, payload, typeof fileName === 'string' && fileName !== '' ? fileName : null);
    });
    // Neither has a refusal (UpdateFirmware.conf is empty; GetDiagnostics' tells at most that there is
    // nothing to upload), and chargers that answer only once the download has begun, or the archive
    // is built (its name is the answer), time out: a request
    // that may have reached the charger is most likely under way, and the statuses that follow are
    // its own. Not recorded, they were shown with the request before it, finished long ago.
    // Also for a CallError after the timeout: the charger did not take on the request recorded
    // `unanswered`, which is settled refused with its code (it read as waiting for ever).
    this.executor.afterFailure(
      'UpdateFirmware',
      async (ctx, payload, failure, timing) => {
        if (timing?.late) await this.refusedLate(ctx, 'firmware', payload, failure);
        else if (mayHaveReachedCharger(failure)) await firmware(ctx, payload, failure.kind);
      },
      { late: true },
    );
    this.executor.afterFailure(
      'GetDiagnostics',
      async (ctx, payload, failure, timing) => {
        if (timing?.late) await this.refusedLate(ctx, 'diagnostics', payload, failure);
        else if (mayHaveReachedCharger(failure)) await diagnostics(ctx, payload, null, failure.kind);
      },
      { late: true },
    );
    this.executor.afterAnswer('SignedUpdateFirmware', async (ctx, payload, answer) => {
      if (!TAKEN_ON.has((answer as unknown as Ocpp16.SignedUpdateFirmwareResponse).status)) return;
      const req = payload as unknown as Ocpp16.SignedUpdateFirmwareRequest;
      // Certificate and signature left out: long, and what the charger checks, not what it does.
      await this.transfers.recordIdentifiedRequest(ctx.stationId, 'firmware', {
        requestId: req.requestId,
        location: req.firmware.location,
        retrieveDateTime: req.firmware.retrieveDateTime,
        installDateTime: req.firmware.installDateTime ?? null,
        retries: req.retries ?? null,
        retryInterval: req.retryInterval ?? null,
        requestedAt: this.requestedAt(payload),
      });
    });
    this.executor.afterAnswer('GetLog', async (ctx, payload, answer) => {
      const conf = answer as unknown as Ocpp16.GetLogResponse;
      if (!TAKEN_ON.has(conf.status)) return;
      const req = payload as unknown as Ocpp16.GetLogRequest;
      await this.transfers.recordIdentifiedRequest(ctx.stationId, 'log', {
        requestId: req.requestId,
        logType: req.logType,
        location: req.log.remoteLocation,
        oldestTimestamp: req.log.oldestTimestamp ?? null,
        latestTimestamp: req.log.latestTimestamp ?? null,
        retries: req.retries ?? null,
        retryInterval: req.retryInterval ?? null,
        // `fileName` as in diagnostics_request (GetLog.conf spells it `filename`).
        fileName: conf.filename ?? null,
        requestedAt: this.requestedAt(payload),
      });
    });
  }

  /** A late CallError (the executor runs late hooks only for one the charger answered: it did not act). */
  private async refusedLate(ctx: StationContext, kind: 'firmware' | 'diagnostics', payload: JsonObject, failure: CallFailure): Promise<void> {
    const sentAt = this.sentAt.get(payload);
    if (failure.kind !== 'error' || sentAt === undefined) return;
    await this.transfers.recordLateCallError(ctx.stationId, kind, sentAt.toISOString(), failure.code);
  }

  private requestedAt(payload: JsonObject): string {
    return (this.sentAt.get(payload) ?? new Date()).toISOString();
  }
}
