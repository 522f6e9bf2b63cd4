import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor, mayHaveReachedCharger, type CallFailure } from '../commands/command-executor.js';
import { isConfigurationKey } from '../commands/command-rules.js';
import { hashPassword } from './password.js';
import { StationKeysRepository, type PendingKeys } from './station-keys.repository.js';

/** A key change in flight: the new key's hash, pending from before the CALL went out, and the pending keys as they were before. */
interface Staged {
  hash: string;
  displaced: PendingKeys;
}

/**
 * Key rotation through `ChangeConfiguration AuthorizationKey` (TC_073). A charger may confirm the
 * new key and reconnect with it at once (whitepaper A01: it drops the connection and authenticates
 * again): that upgrade can arrive before its answer has been processed (a scrypt hash, a write),
 * and was refused 401. So the new key is hashed and made pending, valid beside the current one,
 * before the CALL is sent; the answer then decides: `Accepted` makes it the only key,
 * `RebootRequired` or no answer (the charger may have taken it) leaves it pending until first
 * used, a refusal or a CALL never sent withdraws it and gives back the pending key it displaced.
 * A key still pending when a new change is staged stays valid beside it (the earlier pending key):
 * that change too may have reached the charger, and a second unanswered change displacing it
 * locked out a charger that had taken the first. Two are kept; a third change drops the oldest.
 */
@Injectable()
export class AuthorizationKeyRotation implements OnModuleInit {
  /** By payload object, then station: a bulk command runs one payload object on many stations. */
  private readonly staged = new WeakMap<object, Map<string, Staged>>();
  private readonly logger: Logger;

  constructor(
    private readonly executor: CommandExecutor,
    private readonly stations: StationKeysRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-security' });
  }

  onModuleInit(): void {
    this.executor.afterAnswer('ChangeConfiguration', async (ctx, payload, answer) => {
      const staged = this.take(ctx.stationId, payload);
      if (!staged) return;
      const status = answer['status'];
      if (status === 'Accepted') await this.stations.setPassword(ctx.stationId, staged.hash);
      else if (status === 'RebootRequired') await this.stations.setPendingPassword(ctx.stationId, staged.hash);
      else await this.stations.unstagePendingPassword(ctx.stationId, staged.hash, staged.displaced);
    });
    this.executor.afterFailure('ChangeConfiguration', async (ctx, payload, failure) => {
      const staged = this.take(ctx.stationId, payload);
      if (staged) await this.failed(ctx.stationId, staged, failure);
    });
  }

  /** Before the CALL is sent (SecurityHandlers' before-hook, the only one ChangeConfiguration may have). */
  async stage(stationId: string, payload: JsonObject): Promise<void> {
    if (!isConfigurationKey(payload['key'], 'AuthorizationKey') || typeof payload['value'] !== 'string') return;
    const hash = await hashPassword(payload['value']);
    const stored = await this.stations.stagePendingPassword(stationId, hash);
    if (!stored) return;
    const byStation = this.staged.get(payload) ?? new Map<string, Staged>();
    byStation.set(stationId, { hash, displaced: stored });
    this.staged.set(payload, byStation);
  }

  private take(stationId: string, payload: JsonObject): Staged | undefined {
    const byStation = this.staged.get(payload);
    const staged = byStation?.get(stationId);
    byStation?.delete(stationId);
    return staged;
  }

  private async failed(stationId: string, staged: Staged, failure: CallFailure): Promise<void> {
    if (!mayHaveReachedCharger(failure)) return this.stations.unstagePendingPassword(stationId, staged.hash, staged.displaced);
    // No answer (timeout, socket lost): the charger may be using the new key already. Dropping it would lock it out.
    await this.stations.setPendingPassword(stationId, staged.hash);
    this.logger.warn({ stationId, outcome: failure.kind }, 'AuthorizationKey change unanswered; the new key is accepted beside the old until the charger uses it');
  }
}
