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
/**
 * Share of SHUTDOWN_TIMEOUT_MS (from the shutdown's start) by which the CALLs the chargers sent
 * before their sockets close must be answered: a little more than the commands' share, so a slow
 * one (a remote Authorize, a vendor's DataTransfer plug-in) still gets its answer when commands
 * took all of theirs.
 */
const ANSWER_WAIT_SHARE = 0.6;
/**
 * Share of SHUTDOWN_TIMEOUT_MS by which the sockets close whether or not their disconnections are
 * recorded: a Redis or PostgreSQL that stopped answering (a failover, a partition) held them open
 * until the forced exit, and the chargers lost them without a close frame.
 */
const LEAVE_WAIT_SHARE = 0.7;
/** Share of SHUTDOWN_TIMEOUT_MS the chargers' close handshake may take after that (5 s at most). */
const CLOSE_SHARE = 0.25;

/**
 * What a stopping replica owes the commands it accepted: their charger's answer. From the first
 * shutdown step no new command is taken for its stations (answered `Offline` like a station no
 * replica holds, so the sender's retry finds the charger on the replica it reconnects to), while
 * the CALL in flight and the calls queued behind it run to their answer, bounded, before the
 * registry closes the sockets. Without this, the socket closed under the call: the sender heard
 * `Offline` for a command the charger may have carried out (a RemoteStopTransaction executed,
 * reported failed). It also bounds the other waits before the sockets close (the chargers' own
 * CALLs, the disconnections), each by its share of the shutdown budget.
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

  /**
   * Waits until the CALLs each charger sent so far have been answered on its socket (bounded, see
   * ANSWER_WAIT_SHARE). A charger resends only its transaction messages: an Authorize or a
   * DataTransfer whose socket closed before its answer failed at the charger (a driver's tap refused
   * because a pod rolled). CALLs arriving meanwhile are handled too but not waited for, so a busy
   * fleet cannot hold the sockets open until the deadline.
   */
  async answerReceived(sessions: StationSession[]): Promise<void> {
    let pending = sessions.length;
    await this.until(ANSWER_WAIT_SHARE, Promise.all(sessions.map((s) => s.drained().then(() => void (pending -= 1)))));
    if (pending > 0) this.logger.warn({ stations: pending }, 'CALLs from chargers still unanswered at shutdown; their sockets close before the answer');
  }

  /**
   * Waits for the disconnections to be recorded before the sockets close (bounded, see
   * LEAVE_WAIT_SHARE); what is still running goes on and ends with the process.
   */
  async leaveRecorded(stations: number, leaving: Promise<unknown>): Promise<void> {
    if (!(await this.until(LEAVE_WAIT_SHARE, leaving))) this.logger.warn({ stations }, 'disconnections not recorded in time at shutdown (Redis or the database not answering); closing the sockets anyway');
  }

  /** Whether `work` ended before `share` of SHUTDOWN_TIMEOUT_MS had passed since the shutdown began. */
  private async until(share: number, work: Promise<unknown>): Promise<boolean> {
    const deadline = (this.stoppingSince ?? Date.now()) + this.config.SHUTDOWN_TIMEOUT_MS * share;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([work.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
    return ended;
  }

  /** How long each charger's close handshake may take at shutdown before its socket is terminated. */
  get closeHandshakeMs(): number {
    return Math.min(CLOSE_HANDSHAKE_MS, this.config.SHUTDOWN_TIMEOUT_MS * CLOSE_SHARE);
  }
}
