import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NATS_CONNECTION } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { NatsConnection, Status } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import { isConfigurationKey } from '../commands/command-rules.js';
import { credentialsFingerprint } from './identity.js';
import { knownStation } from './station-registration.js';
import { SessionRecheckRepository, type LiveStationSettings } from './session-recheck.repository.js';
import { SessionRegistry } from './session-registry.js';
import { StationChanges, type StationChange } from './station-changes.js';
import type { RegistrationState, StationContext, ValidationPolicy } from './station-context.js';
import { StationSession } from './station-session.js';

/** How often the live sessions are compared with the database when no reconnect prompts it. */
export const SESSION_RECHECK_INTERVAL_MS = 60_000;

export interface SessionRecheckOptions {
  intervalMs?: number;
}

/** Optional provider of {@link SessionRecheckOptions} (tests shorten the interval). */
export const SESSION_RECHECK_OPTIONS = Symbol('SESSION_RECHECK_OPTIONS');

/** What the re-check reads of a live session, when it starts. */
export interface SessionView {
  stationId: string;
  /** undefined: not known right now (its own key change being recorded); the credentials rule waits. */
  credentials: string | undefined;
  known: boolean;
  registration: RegistrationState;
  validationPolicy: ValidationPolicy;
}

/**
 * The operator change a session has not heard of, as the `ocpp.session.station-changed` notice would have
 * carried it, given its station as stored now (`stored` undefined: deleted); undefined when it
 * missed nothing. Every setting compared here is written by the operator API only (a charger's own
 * key change is adopted by SessionRecheck before it could count), so a difference is a lost notice.
 */
export function missedChange(session: SessionView, stored: LiveStationSettings | undefined): StationChange | undefined {
  const { stationId } = session;
  if (!stored) return { stationId, deleted: true };
  if (session.credentials !== undefined && credentialsFingerprint(stored) !== session.credentials) return { stationId, credentialsChanged: true };
  const change: StationChange = { stationId };
  if (stored.validationPolicy !== session.validationPolicy) change.validationPolicy = stored.validationPolicy;
  // Only a withdrawn acceptance acts on a live session (see StationChanges.applyHere).
  if (stored.registrationStatus !== 'Accepted' && session.registration === 'Accepted') change.registrationStatus = stored.registrationStatus;
  const missed = change.validationPolicy !== undefined || change.registrationStatus !== undefined || (!session.known && knownStation(stored));
  return missed ? change : undefined;
}

/**
 * The safety net under StationChanges: its notices are core NATS, at most once, and a replica
 * that misses one (disconnected from NATS, or a slow consumer the server cut off) would keep a
 * session admitted under an old password, or a deleted station connected, until the charger
 * reconnects, possibly days later. After every NATS reconnect, and every interval, the stations
 * connected here are read in one query (per 5,000) and what a lost notice would have done is done.
 * Nothing runs per message: a session only carries the fingerprint it was admitted under.
 */
@Injectable()
export class SessionRecheck implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private statuses?: AsyncIterable<Status> & { stop?: () => void };
  private current?: Promise<void>;
  private next?: Promise<void>;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly repository: SessionRecheckRepository,
    private readonly changes: StationChanges,
    private readonly executor: CommandExecutor,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(SESSION_RECHECK_OPTIONS) options: SessionRecheckOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? SESSION_RECHECK_INTERVAL_MS;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.recheck('interval'), this.intervalMs);
    this.timer.unref();
    const statuses = this.nc.status();
    this.statuses = statuses;
    void (async () => {
      // Notices published while this replica was disconnected are gone; the database has what they said.
      for await (const status of statuses) if (status.type === 'reconnect') void this.recheck('nats reconnected');
    })().catch((err: unknown) => this.logger.error({ err }, 'nats status watch for the session re-check ended'));
  }

  /**
   * Registered here, after every module's init, so it runs after the effect that stores the key or
   * profile the charger accepted (a command's hooks run in registration order).
   */
  onApplicationBootstrap(): void {
    this.executor.afterAnswer('ChangeConfiguration', (ctx, payload, answer) => this.ownCredentialsChanged(ctx, payload, answer));
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.statuses?.stop?.();
  }

  /**
   * Compares the sessions held here with the database; resolves once a check that started after
   * this call has finished. One runs at a time: a call meanwhile queues one more (the running one
   * may have read before the change that prompted the call), and any further calls join that one.
   */
  recheck(reason: string): Promise<void> {
    if (!this.current) {
      this.current = this.run(reason)
        .catch((err: unknown) => this.logger.error({ err, reason }, 'session re-check failed'))
        .finally(() => (this.current = undefined));
      return this.current;
    }
    this.next ??= this.current.then(() => {
      this.next = undefined;
      return this.recheck(reason);
    });
    return this.next;
  }

  private async run(reason: string): Promise<void> {
    const held = this.registry
      .localStationIds()
      .map((id) => this.registry.holding(id))
      .filter((s): s is StationSession => s !== undefined)
      .map((session) => ({ session, view: viewOf(session) }));
    if (held.length === 0) return;
    let stored: Map<string, LiveStationSettings>;
    try {
      stored = new Map((await this.repository.settings(held.map((h) => h.view.stationId))).map((s) => [s.id, s]));
    } catch (err) {
      // Nothing is concluded from a failed read (a missing row would look deleted); the next run tries again.
      this.logger.warn({ err, reason, sessions: held.length }, 'session re-check could not read the stations');
      return;
    }
    for (const { session, view } of held) {
      // A newer socket, a notice that did arrive or the session's own key change is newer than this read.
      if (this.registry.holding(view.stationId) !== session || session.credentials !== view.credentials) continue;
      const found = stored.get(view.stationId);
      if (found && session.credentials === undefined) session.credentials = credentialsFingerprint(found);
      const change = missedChange(view, found);
      if (!change) continue;
      this.logger.warn({ stationId: view.stationId, reason, change }, 'operator change missed on the bus; applied by the session re-check');
      this.changes.applyHere(change);
    }
  }

  /**
   * A key or profile the charger itself accepted (an operator's ChangeConfiguration) changes the
   * stored credentials under a session that stays valid: the session adopts them instead of being
   * closed. Meanwhile its credentials are unknown, so no re-check compares them.
   */
  private async ownCredentialsChanged(ctx: StationContext, payload: JsonObject, answer: JsonObject): Promise<void> {
    if (answer['status'] !== 'Accepted' || !(ctx instanceof StationSession)) return;
    if (!isConfigurationKey(payload['key'], 'AuthorizationKey') && !isConfigurationKey(payload['key'], 'SecurityProfile')) return;
    ctx.credentials = undefined;
    const [stored] = await this.repository.settings([ctx.stationId]);
    if (stored && ctx.credentials === undefined) ctx.credentials = credentialsFingerprint(stored);
  }
}

function viewOf(session: StationSession): SessionView {
  const { stationId, credentials, known, registration, validationPolicy } = session;
  return { stationId, credentials, known, registration, validationPolicy };
}
