import { SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { naiveMultipleOfTenth } from './quirks.js';
import { SimulatedStation } from './simulated-station.js';

/** Answers every CSMS-initiated 1.6 message of the six feature profiles the way a sensible charger would. */
export function registerHandlers(s: SimulatedStation): void {
  registerSmartCharging(s);
  registerRemoteTrigger(s);
  registerCore(s);
  registerOtherProfiles(s);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Installs a profile with the charger's rules and the limits its configuration keys declare. */
function installProfile(s: SimulatedStation, connectorId: number, profile: Req16<'SetChargingProfile'>['csChargingProfiles']) {
  return s.profiles.install(connectorId, profile, {
    connectorCount: s.station.connectors,
    activeTransaction: (id) => {
      const tx = s.connectors[id]?.transaction;
      return tx ? { transactionId: tx.id, startedAt: tx.startedAt } : undefined;
    },
    limits: {
      maxStackLevel: Number(s.key('ChargeProfileMaxStackLevel') ?? 8),
      maxPeriods: Number(s.key('ChargingScheduleMaxPeriods') ?? 24),
      maxProfiles: Number(s.key('MaxChargingProfilesInstalled') ?? 16),
      allowedUnits: ['A', 'W'],
    },
  });
}

/** The connector a RemoteStartTransaction means: the one named, or the first free one. */
function remoteStartConnector(s: SimulatedStation, req: Req16<'RemoteStartTransaction'>) {
  return req.connectorId !== undefined ? s.connectors[req.connectorId] : s.connectors.find((x) => x.id > 0 && !x.transaction && x.status === 'Available');
}

function registerSmartCharging(s: SimulatedStation): void {
  s.handle('SetChargingProfile', (req) => {
    const p = req.csChargingProfiles;
    if (s.quirks.refuseChargePointMaxProfile && p.chargingProfilePurpose === 'ChargePointMaxProfile') return { status: 'Rejected' };
    if (s.quirks.onlyStackLevelZero && p.stackLevel !== 0) return { status: 'Rejected' };
    if (s.quirks.naiveMultipleOf && !p.chargingSchedule.chargingSchedulePeriod.every((x) => naiveMultipleOfTenth(x.limit))) {
      SimulatedStation.fail('OccurenceConstraintViolation', 'limit must be a multiple of 0.1');
    }
    const result = installProfile(s, req.connectorId, p);
    if (result.status === 'Rejected') s.emit('profile-rejected', result.reason);
    return { status: result.status };
  });
  s.after('SetChargingProfile', () => s.applyLimits());
  s.handle('ClearChargingProfile', (req) => ({
    status: s.profiles.clear({ id: req.id, connectorId: req.connectorId, purpose: req.chargingProfilePurpose, stackLevel: req.stackLevel }),
  }));
  s.after('ClearChargingProfile', () => s.applyLimits());
  s.handle('GetCompositeSchedule', (req) => {
    const c = s.connectors[req.connectorId];
    if (!c) return { status: 'Rejected' };
    const composite = SmartCharging16.compositeSchedule({
      profiles: s.profiles.list(),
      connectorId: req.connectorId,
      from: s.now(),
      durationS: req.duration,
      unit: req.chargingRateUnit ?? 'A',
      transaction: c.transaction ? { startedAt: c.transaction.startedAt, transactionId: c.transaction.id } : undefined,
      electrical: { voltageV: s.station.voltageV, phases: s.station.phases, maxCurrentA: s.station.maxCurrentA },
    });
    return { status: 'Accepted', ...composite };
  });
}

/**
 * TriggerMessage: answer first (@After sends the message once the answer is on
 * the wire). Absent connectorId means every connector (and the station for
 * StatusNotification); 0 means the station.
 */
function registerRemoteTrigger(s: SimulatedStation): void {
  s.handle('TriggerMessage', (req) => {
    if (req.connectorId !== undefined && (req.connectorId < 0 || req.connectorId > s.station.connectors)) return { status: 'Rejected' };
    return { status: 'Accepted' };
  });
  s.after('TriggerMessage', async (req) => {
    const all = s.connectors.map((c) => c.id);
    switch (req.requestedMessage) {
      case 'BootNotification':
        return s.boot();
      case 'Heartbeat':
        await s.request('Heartbeat', {});
        return;
      case 'StatusNotification':
        for (const id of req.connectorId === undefined ? all : [req.connectorId]) await s.sendStatus(id);
        return;
      case 'MeterValues':
        for (const id of req.connectorId === undefined || req.connectorId === 0 ? all.filter((i) => i > 0) : [req.connectorId]) await s.sendMeterValues(id, 'Trigger');
        return;
      case 'DiagnosticsStatusNotification':
        await s.request('DiagnosticsStatusNotification', { status: 'Idle' });
        return;
      case 'FirmwareStatusNotification':
        await s.request('FirmwareStatusNotification', { status: 'Idle' });
        return;
    }
  });
}

function registerCore(s: SimulatedStation): void {
  s.handle('RemoteStartTransaction', (req) => {
    const c = remoteStartConnector(s, req);
    if (!c || c.id === 0 || c.transaction || c.availability === 'Inoperative') return { status: 'Rejected' };
    return { status: 'Accepted' };
  });
  s.after('RemoteStartTransaction', async (req) => {
    const c = remoteStartConnector(s, req);
    if (!c) return;
    const fullPowerW = s.station.maxCurrentA * s.station.voltageV * s.station.phases;
    await s.setStatus(c.id, 'Preparing');
    const txId = await s.beginTransaction(c.id, req.idTag, fullPowerW);
    if (txId !== undefined && req.chargingProfile) {
      installProfile(s, c.id, { ...req.chargingProfile, transactionId: txId });
      await s.applyLimits();
    }
  });
  s.handle('RemoteStopTransaction', (req) => ({ status: s.connectors.some((c) => c.transaction?.id === req.transactionId) ? 'Accepted' : 'Rejected' }));
  s.after('RemoteStopTransaction', async (req) => {
    const c = s.connectors.find((x) => x.transaction?.id === req.transactionId);
    if (c) await s.stopSession(c.id, 'Remote');
  });
  s.handle('Reset', () => ({ status: 'Accepted' }));
  s.after('Reset', async (req) => {
    for (const c of s.connectors) if (c.transaction) await s.stopSession(c.id, req.type === 'Hard' ? 'HardReset' : 'SoftReset');
    s.stopTimers();
    await sleep(50);
    await s.boot();
  });
  s.handle('UnlockConnector', (req) => (req.connectorId < 1 || req.connectorId > s.station.connectors ? { status: 'NotSupported' } : { status: 'Unlocked' }));
  s.after('UnlockConnector', async (req) => {
    if (s.connectors[req.connectorId]?.transaction) await s.stopSession(req.connectorId, 'UnlockCommand');
  });
  s.handle('ChangeAvailability', (req) => {
    const targets = req.connectorId === 0 ? s.connectors : [s.connectors[req.connectorId]].filter(Boolean);
    if (targets.length === 0) return { status: 'Rejected' };
    const busy = targets.some((c) => c.transaction);
    for (const c of targets) c.availability = req.type;
    return { status: busy ? 'Scheduled' : 'Accepted' };
  });
  s.after('ChangeAvailability', async (req) => {
    const targets = req.connectorId === 0 ? s.connectors : [s.connectors[req.connectorId]];
    for (const c of targets) if (c && !c.transaction) await s.setStatus(c.id, req.type === 'Inoperative' ? 'Unavailable' : 'Available');
  });
  s.handle('GetConfiguration', (req) => {
    const wanted = req.key?.length ? req.key : [...s.keys.keys()];
    const configurationKey = wanted
      .filter((k) => s.keys.has(k) && !s.keys.get(k)!.writeOnly)
      .map((k) => ({ key: k, readonly: s.keys.get(k)!.readonly, value: s.keys.get(k)!.value }));
    const unknownKey = wanted.filter((k) => !s.keys.has(k) || s.keys.get(k)!.writeOnly);
    return { configurationKey, ...(unknownKey.length ? { unknownKey } : {}) };
  });
  s.handle('ChangeConfiguration', (req) => {
    const k = s.keys.get(req.key);
    if (!k) return { status: 'NotSupported' };
    if (k.readonly) return { status: 'Rejected' };
    k.value = req.value;
    if (req.key === 'HeartbeatInterval') s.scheduleHeartbeat();
    if (req.key === 'MeterValueSampleInterval') s.scheduleMeter();
    return { status: 'Accepted' };
  });
  s.handle('ClearCache', () => {
    s.auth.clearCache();
    return { status: 'Accepted' };
  });
  s.handle('DataTransfer', () => ({ status: 'UnknownVendorId' }));
}

function registerOtherProfiles(s: SimulatedStation): void {
  s.handle('GetLocalListVersion', () => ({ listVersion: s.auth.version }));
  s.handle('SendLocalList', (req) => ({ status: s.auth.apply(req, Number(s.key('LocalAuthListMaxLength') ?? 1000)) }));
  const reservations = new Map<number, { connectorId: number; expiry: string }>();
  s.handle('ReserveNow', (req) => {
    const c = s.connectors[req.connectorId];
    if (!c || c.id === 0) return { status: 'Rejected' };
    if (c.availability === 'Inoperative') return { status: 'Unavailable' };
    if (c.status === 'Faulted') return { status: 'Faulted' };
    if (c.transaction || c.status === 'Reserved') return { status: 'Occupied' };
    reservations.set(req.reservationId, { connectorId: c.id, expiry: req.expiryDate });
    return { status: 'Accepted' };
  });
  s.after('ReserveNow', async (req) => {
    if (!reservations.has(req.reservationId)) return;
    await s.setStatus(req.connectorId, 'Reserved');
    // An unused reservation lapses at its expiry and the connector becomes Available again.
    const ms = Math.max(0, Date.parse(req.expiryDate) - s.now().getTime());
    setTimeout(() => {
      const r = reservations.get(req.reservationId);
      if (r && s.connectors[r.connectorId].status === 'Reserved') {
        reservations.delete(req.reservationId);
        void s.setStatus(r.connectorId, 'Available').catch(() => undefined);
      }
    }, ms).unref();
  });
  s.handle('CancelReservation', (req) => ({ status: reservations.has(req.reservationId) ? 'Accepted' : 'Rejected' }));
  s.after('CancelReservation', async (req) => {
    const r = reservations.get(req.reservationId);
    reservations.delete(req.reservationId);
    if (r) await s.setStatus(r.connectorId, 'Available');
  });
  s.handle('UpdateFirmware', () => ({}));
  s.after('UpdateFirmware', async () => {
    for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed'] as const) {
      await s.request('FirmwareStatusNotification', { status });
      await sleep(20);
    }
  });
  s.handle('GetDiagnostics', () => ({ fileName: `diagnostics-${s.identity}.log` }));
  s.after('GetDiagnostics', async () => {
    await s.request('DiagnosticsStatusNotification', { status: 'Uploading' });
    await s.request('DiagnosticsStatusNotification', { status: 'Uploaded' });
  });
}
