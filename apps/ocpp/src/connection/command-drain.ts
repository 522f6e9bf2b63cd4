import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { CLOSE_HANDSHAKE_MS } from './socket-closing.js';
import type { StationSession } from './station-session.js';

/**
 * Share of SHUTDOWN_TIMEOUT_MS a stopping replica waits for commands already at its chargers or
 * queued for them: the rest is for the close handshake, the disconnections and draining the bus
 * and the database before the forced exit.
 */
const COMMAND_WAIT_SHARE = 0.5;
/** Share of SHUTDOWN_TIMEOUT_MS the chargers' close handshake may take after that (5 s at most). */
const CLOSE_SHARE = 0.25;

/**
 * What a stopping replica owes the commands it accepted: their charger's answer. From the first
 * shutdown step no new command is taken for its stations (answered `Offline` like a station no
 * replica holds, so the sender's retry finds the charger on the replica it reconnects to), while
 * the CALL in flight and the calls queued behind it run to their answer, bounded, before the
 * registry closes the sockets. Without this, the socket closed under the call: the sender heard
 * `Offline` for a command the charger may have carried out (a RemoteStopTransaction executed,
 * reported failed).
 */
@Injectable()
export class CommandDrain implements OnModuleDestroy {
  private stoppingSince?: number;
  /** Commands accepted here and still running (at the charger, or their effects being recorded). */
  private readonly work = new Set<Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * The first shutdown step: every module's onModuleDestroy runs before any
   * beforeApplicationShutdown, so commands are refused from before anything waits.
   */
  onModuleDestroy(): void {
    this.stoppingSince ??= Date.now();
  }

  get stopping(): boolean {
    return this.stoppingSince !== undefined;
  }

  /** The reply to a command that arrives while the replica stops. */
  refusal(stationId: string): OcppCommandReply {
    return { status: 'error', code: OcppCommandErrorCode.Offline, description: `the replica holding ${stationId} is shutting down; the station reconnects to another one` };
  }

  /** A command accepted before the shutdown: the sockets stay open until it ends (bounded). */
  hold<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    const done = () => this.work.delete(work);
    work.then(done, done);
    return work;
  }

  /**
   * Waits until the held commands have ended and no call is in flight or queued on `sessions()`
   * (read again on every pass: a command accepted just before the shutdown may queue its call
   * late), at most until half the shutdown timeout after the shutdown began. What is still
   * outstanding then fails as the sockets close.
   */
  async settle(sessions: () => StationSession[]): Promise<void> {
    const until = (this.stoppingSince ?? Date.now()) + this.config.SHUTDOWN_TIMEOUT_MS * COMMAND_WAIT_SHARE;
    const busy = () => sessions().filter((s) => s.queueDepth > 0);
    while ((this.work.size > 0 || busy().length > 0) && Date.now() < until) {
      let timer: NodeJS.Timeout | undefined;
      const everything = Promise.all([Promise.allSettled([...this.work]), ...busy().map((s) => s.idle())]);
      await Promise.race([everything, new Promise((resolve) => (timer = setTimeout(resolve, until - Date.now())))]);
      clearTimeout(timer);
    }
    const calls = busy().reduce((n, s) => n + s.queueDepth, 0);
    if (this.work.size > 0 || calls > 0) this.logger.warn({ commands: this.work.size, calls }, 'commands still running at shutdown; their chargers are disconnected');
  }

  /** How long each charger's close handshake may take at shutdown before its socket is terminated. */
  get closeHandshakeMs(): number {
    return Math.min(CLOSE_HANDSHAKE_MS, this.config.SHUTDOWN_TIMEOUT_MS * CLOSE_SHARE);
  }
}
