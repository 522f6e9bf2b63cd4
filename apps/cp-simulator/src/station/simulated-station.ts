import { performance } from 'node:perf_hooks';
import { ChargePoint16, type ChargePointOptions } from '@cpo/ocpp-chargepoint';
import { OcppCallError, SmartCharging16, type Conf16, type CpAction16, type Req16 } from '@cpo/ocpp-protocol';
import { LocalAuthorization } from './authorization.js';
import { ErrorTally } from './error-tally.js';
import { registerHandlers } from './handlers.js';
import { meterValuesPayload } from './metering.js';
import { quirkTimestamp, type Quirks } from './quirks.js';
import { TransactionQueue } from './transaction-queue.js';
import { defaultConfiguration, type ConfigKey, type StationConfig } from './station-config.js';

export type ConnectorStatus = Req16<'StatusNotification'>['status'];

export interface ConnectorState {
  id: number;
  status: ConnectorStatus;
  availability: 'Operative' | 'Inoperative';
  transaction?: { id: number; idTag: string; startedAt: Date; meterStartWh: number };
  /** The EV's own maximum draw; the charger gives min(limit, this). */
  evMaxPowerW: number;
  meterWh: number;
  powerW: number;
  offeredW: number;
}

export interface SimulatedStationOptions extends Omit<ChargePointOptions, 'identity'> {
  /** Injectable clock for tests. */
  now?: () => Date;
  /** Overrides MeterValueSampleInterval (seconds), e.g. for fast tests. */
  meterIntervalS?: number;
  quirks?: Quirks;
}

/**
 * A simulated OCPP 1.6 charge point: boots, heartbeats, reports status, runs
 * sessions whose power follows its composite charging schedule, and answers
 * the central system. CSMS-initiated handlers live in handlers.ts.
 */
export class SimulatedStation extends ChargePoint16 {
  readonly keys: Map<string, ConfigKey>;
  readonly profiles = new SmartCharging16.ChargingProfileStore();
  readonly auth = new LocalAuthorization();
  readonly connectors: ConnectorState[];
  registration?: 'Accepted' | 'Pending' | 'Rejected';
  readonly now: () => Date;
  private heartbeatTimer?: NodeJS.Timeout;
  private meterTimer?: NodeJS.Timeout;
  private alignedTimer?: NodeJS.Timeout;
  private lastTick: number;
  /** CALLs sent; failures (each once, by kind in `failures`); sessions the CSMS refused (not errors). */
  stats = { sent: 0, errors: 0, refused: 0 };
  readonly failures = new ErrorTally();
  readonly quirks: Quirks;
  readonly txQueue = new TransactionQueue(() => ({
    attempts: Number(this.key('TransactionMessageAttempts') ?? 3),
    retryIntervalMs: Number(this.key('TransactionMessageRetryInterval') ?? 30) * 1000,
    online: this.isOpen && this.registration === 'Accepted',
  }));
  private booting?: Promise<void>;
  /** Round-trip time of each CALL we sent, per action (ms), for load reports. */
  readonly latencies = new Map<string, number[]>();

  constructor(
    readonly station: StationConfig,
    options: SimulatedStationOptions,
  ) {
    const quirks = options.quirks ?? {};
    const protocols = quirks.subprotocol === 'none' ? [] : quirks.subprotocol ? [quirks.subprotocol] : (options.protocols ?? ['ocpp1.6']);
    super({ pingIntervalMs: 60_000, ...options, protocols, identity: station.identity });
    this.quirks = quirks;
    this.now = options.now ?? (() => new Date());
    this.keys = defaultConfiguration(station);
    this.keys.set('WebSocketPingInterval', { value: String((options.pingIntervalMs ?? 60_000) / 1000), readonly: false });
    if (options.meterIntervalS) this.keys.set('MeterValueSampleInterval', { value: String(options.meterIntervalS), readonly: false });
    this.connectors = Array.from({ length: station.connectors + 1 }, (_, id) => ({
      id,
      status: 'Available' as ConnectorStatus,
      availability: 'Operative' as const,
      evMaxPowerW: 0,
      meterWh: 0,
      powerW: 0,
      offeredW: 0,
    }));
    this.lastTick = this.now().getTime();
    registerHandlers(this);
    this.on('open', () => void this.boot().catch((err: unknown) => this.emit('sim-error', err)));
    this.on('close', () => this.stopTimers());
    this.on('registration', (status) => status === 'Accepted' && void this.txQueue.flush());
  }

  key(name: string): string | undefined {
    return this.keys.get(name)?.value;
  }

  /** A typed call that counts and surfaces CALLERRORs as exceptions. */
  async request<A extends CpAction16>(action: A, payload: Req16<A>): Promise<Conf16<A>> {
    this.stats.sent += 1;
    const started = performance.now();
    const skipSchemaValidation = !!this.quirks.timestampsWithoutZ; // the quirk is exactly what strict validation refuses
    const conf = await this.call(action, payload, { suppress: false, skipSchemaValidation }).catch((err: unknown) => {
      this.recordError(action, err);
      throw err;
    });
    const list = this.latencies.get(action) ?? [];
    list.push(performance.now() - started);
    this.latencies.set(action, list);
    return conf as Conf16<A>;
  }

  /** Counts a failure for the report; one already counted where it happened (a CALL rethrown by a session) is not counted again. */
  recordError(context: string, err: unknown): void {
    if (this.failures.record(context, err)) this.stats.errors += 1;
  }

  /** Timestamps as this charger writes them (see Quirks). */
  ts(): string {
    return quirkTimestamp(this.now(), this.quirks);
  }

  /**
   * BootNotification until Accepted, waiting the returned interval after
   * Pending/Rejected. While Pending the station only answers the CSMS and sends
   * what it is asked for; a triggered BootNotification is sent at once.
   */
  boot(): Promise<void> {
    if (this.booting) return this.bootOnce().then(() => undefined);
    this.booting = (async () => {
      for (;;) {
        // An unanswered or refused boot is retried after a pause, like a charger would.
        const conf = await this.bootOnce().catch(() => undefined);
        if (!this.isOpen) return;
        if (conf?.status === 'Accepted') break;
        await new Promise((r) => setTimeout(r, (conf && conf.interval > 0 ? conf.interval : 30) * 1000).unref());
        if (!this.isOpen) return;
        if (this.registration === 'Accepted') break; // a triggered boot was accepted meanwhile
      }
      this.scheduleHeartbeat();
      for (const c of this.connectors) await this.sendStatus(c.id);
      this.scheduleMeter();
      this.emit('registration', 'Accepted');
    })().finally(() => (this.booting = undefined));
    return this.booting;
  }

  private async bootOnce(): Promise<Conf16<'BootNotification'>> {
    const conf = await this.request('BootNotification', {
      chargePointVendor: this.station.vendor,
      chargePointModel: this.station.model,
      firmwareVersion: this.station.firmwareVersion,
      ...(this.station.serialNumber ? { chargePointSerialNumber: this.station.serialNumber } : {}),
    });
    this.registration = conf.status;
    if (conf.status === 'Accepted') this.keys.set('HeartbeatInterval', { value: String(conf.interval > 0 ? conf.interval : 300), readonly: false });
    else this.emit('registration', conf.status);
    return conf;
  }

  scheduleHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    const s = Number(this.key('HeartbeatInterval') ?? 300);
    if (s > 0) this.heartbeatTimer = setInterval(() => void this.request('Heartbeat', {}).catch(() => undefined), s * 1000);
  }

  scheduleMeter(): void {
    clearInterval(this.meterTimer);
    clearTimeout(this.alignedTimer);
    const s = Number(this.key('MeterValueSampleInterval') ?? 60);
    if (s > 0) this.meterTimer = setInterval(() => void this.sampleAll().catch(() => undefined), s * 1000);
    // ClockAlignedDataInterval: samples on the wall clock's multiples of the interval (00:00, 00:15, …).
    const aligned = Number(this.key('ClockAlignedDataInterval') ?? 0) * 1000;
    if (aligned > 0) {
      const next = () => {
        this.alignedTimer = setTimeout(async () => {
          this.tick();
          for (const c of this.connectors) if (c.id > 0) await this.sendMeterValues(c.id, 'Sample.Clock').catch(() => undefined);
          next();
        }, aligned - (Date.now() % aligned));
      };
      next();
    }
  }

  stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.meterTimer);
    clearTimeout(this.alignedTimer);
  }

  /** Offline, the change is only recorded: every connector's status is reported again after the next boot. */
  async sendStatus(connectorId: number): Promise<void> {
    if (!this.isOpen) return;
    const c = this.connectors[connectorId];
    await this.request('StatusNotification', { connectorId, status: c.status, errorCode: 'NoError', timestamp: this.ts() });
  }

  async setStatus(connectorId: number, status: ConnectorStatus): Promise<void> {
    const c = this.connectors[connectorId];
    if (c.status === status) return;
    c.status = status;
    await this.sendStatus(connectorId);
  }

  /**
   * Plug in, authorise and start charging; returns the transaction id, or undefined if refused.
   * When a step fails (a CALL refused before sending, a CALLERROR, a timeout) the EV is unplugged
   * again: left `Preparing`, the connector would never be free for another session.
   */
  async startSession(connectorId: number, idTag: string, evMaxPowerW: number): Promise<number | undefined> {
    const c = this.connectors[connectorId];
    if (this.registration !== 'Accepted') throw new Error('not accepted by the central system yet');
    if (!c || connectorId === 0 || c.transaction || c.availability === 'Inoperative') throw new Error(`connector ${connectorId} cannot start a session`);
    try {
      await this.setStatus(connectorId, 'Preparing');
      const local = this.key('LocalPreAuthorize') === 'true' && this.auth.preAuthorized(idTag, this.now(), this.key('AuthorizationCacheEnabled') === 'true');
      if (!local) {
        const auth = await this.request('Authorize', { idTag });
        if (this.key('AuthorizationCacheEnabled') === 'true') this.auth.remember(idTag, auth.idTagInfo);
        if (auth.idTagInfo.status !== 'Accepted') {
          this.stats.refused += 1;
          await this.setStatus(connectorId, 'Available');
          return undefined;
        }
      }
      return await this.beginTransaction(connectorId, idTag, evMaxPowerW);
    } catch (err) {
      if (!c.transaction) await this.unplugAfterFailedStart(connectorId);
      throw err;
    }
  }

  /**
   * setStatus records the status before sending it, so the connector is free even if the
   * StatusNotification fails too; that failure is counted by request(), and every status is sent
   * again after the next boot. The start's own error is the one the caller gets.
   */
  private async unplugAfterFailedStart(connectorId: number): Promise<void> {
    await this.setStatus(connectorId, 'Available').catch((err: unknown) => this.recordError('StatusNotification', err));
  }

  /** StartTransaction on a `Preparing` connector (after a local start or a RemoteStartTransaction); a failure frees it again. */
  async beginTransaction(connectorId: number, idTag: string, evMaxPowerW: number): Promise<number | undefined> {
    const c = this.connectors[connectorId];
    this.tick();
    const startedAt = this.now();
    let started: Conf16<'StartTransaction'>;
    try {
      started = await this.request('StartTransaction', { connectorId, idTag, meterStart: Math.round(c.meterWh), timestamp: quirkTimestamp(startedAt, this.quirks) });
      if (started.idTagInfo.status !== 'Accepted' && this.key('StopTransactionOnInvalidId') === 'true') {
        this.stats.refused += 1;
        await this.request('StopTransaction', { transactionId: started.transactionId, meterStop: Math.round(c.meterWh), timestamp: this.ts(), reason: 'DeAuthorized' });
        await this.setStatus(connectorId, 'Available');
        return undefined;
      }
      c.transaction = { id: started.transactionId, idTag, startedAt, meterStartWh: c.meterWh };
    } catch (err) {
      await this.unplugAfterFailedStart(connectorId);
      throw err;
    }
    c.evMaxPowerW = evMaxPowerW;
    await this.applyLimits();
    return started.transactionId;
  }

  /**
   * Ends the session on the connector; with `transactionId`, only that session (a stop scheduled for
   * one session must not end the next one there, e.g. after a reset ended the first): false when none was ended.
   */
  async stopSession(connectorId: number, reason: Req16<'StopTransaction'>['reason'] = 'Local', transactionId?: number): Promise<boolean> {
    const c = this.connectors[connectorId];
    if (!c?.transaction || (transactionId !== undefined && c.transaction.id !== transactionId)) return false;
    this.tick();
    const tx = c.transaction;
    c.transaction = undefined;
    c.powerW = 0;
    c.evMaxPowerW = 0;
    this.profiles.endTransaction(connectorId);
    const stop = { transactionId: tx.id, idTag: tx.idTag, meterStop: Math.round(c.meterWh), timestamp: this.ts(), reason };
    void this.txQueue.enqueue(`StopTransaction ${tx.id}`, () => this.request('StopTransaction', stop));
    await this.setStatus(connectorId, 'Finishing');
    await this.setStatus(connectorId, 'Available');
    await this.applyLimits();
    return true;
  }

  /** Integrates energy at the current power up to now. */
  tick(): void {
    const now = this.now().getTime();
    const hours = (now - this.lastTick) / 3_600_000;
    this.lastTick = now;
    for (const c of this.connectors) if (c.transaction) c.meterWh += c.powerW * hours;
  }

  /** Per-connector limit in W from the composite schedule, and the station-wide ChargePointMaxProfile cap. */
  limitW(connectorId: number): number {
    const c = this.connectors[connectorId];
    const electrical = { voltageV: this.station.voltageV, phases: this.station.phases, maxCurrentA: this.station.maxCurrentA };
    return SmartCharging16.limitAt(
      {
        profiles: this.profiles.list(),
        connectorId,
        unit: 'W',
        electrical,
        transaction: c.transaction ? { startedAt: c.transaction.startedAt, transactionId: c.transaction.id } : undefined,
      },
      this.now(),
    ).limit;
  }

  /**
   * Recomputes every connector's power: min(its limit, the EV's demand), then
   * scaled so the charging connectors together stay within connector 0's cap.
   */
  async applyLimits(): Promise<void> {
    this.tick();
    const charging = this.connectors.filter((c) => c.id > 0 && c.transaction);
    for (const c of charging) {
      c.offeredW = this.limitW(c.id);
      c.powerW = Math.min(c.offeredW, c.evMaxPowerW);
    }
    const cap = this.limitW(0);
    const total = charging.reduce((s, c) => s + c.powerW, 0);
    if (total > cap) for (const c of charging) c.powerW = (c.powerW * cap) / total;
    for (const c of charging) await this.setStatus(c.id, c.powerW > 0 ? 'Charging' : 'SuspendedEVSE');
  }

  async sampleAll(): Promise<void> {
    await this.applyLimits();
    for (const c of this.connectors) if (c.id > 0 && c.transaction) await this.sendMeterValues(c.id);
  }

  async sendMeterValues(connectorId: number, context: 'Sample.Periodic' | 'Sample.Clock' | 'Trigger' = 'Sample.Periodic'): Promise<void> {
    this.tick();
    const c = this.connectors[connectorId];
    const payload = meterValuesPayload(this, c, context);
    // Transaction meter values are transaction messages: ordered, buffered while offline.
    if (c.transaction) void this.txQueue.enqueue(`MeterValues ${c.transaction.id}`, () => this.request('MeterValues', payload));
    else await this.request('MeterValues', payload);
  }

  /** Used by handlers to refuse politely with a CALLERROR. */
  static fail(code: string, description: string): never {
    throw new OcppCallError(code as never, description, {});
  }
}
