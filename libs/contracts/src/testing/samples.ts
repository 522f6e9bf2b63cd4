/**
 * Realistic, valid payloads for every event subject and request/reply schema, for unit tests,
 * integration tests and benchmarks. The scenario: a site in Taipei's Xinyi district (OSCP group
 * `TW-TPE-XINYI-01`, contract 400 kW) on ELMO's day-ahead flow for 2025-06-18, with Delta AC
 * chargers `TW-TPE-0001`/`0002` and a rooftop PV inverter behind a REMS RTU.
 *
 * The objects are deep-frozen: copy them (`structuredClone`, spread) before changing a field.
 */
import type { EventMap } from '../event-map.js';
import type {
  OcpiTokenAuthorizeReply,
  OcppDataTransferReply,
  OcppDataTransferRequest,
  OcpiTokenAuthorizeRequest,
  OcppCommandReply,
  OcppCommandRequest,
} from '../requests.js';
import { Subjects } from '../subjects.js';

const GROUP_ID = 'TW-TPE-XINYI-01';
const PARTNER_ID = 'elmo-tw';
const DAY = '2025-06-18';
const PLAN_ID = '3f6c2a9e-8b41-4d7e-9c15-2e7a4b9d0f63';
const COMMAND_ID = 'b7e4d2c1-5a36-4f89-8e0d-91c3a6f5b2e4';

/** Tomorrow's assigned capacity per Taipei hour, in kW: an afternoon dip for the grid's peak. */
const ASSIGNED_KW = [
  400, 400, 400, 400, 400, 400, 400, 380, 350, 320, 320, 320, 300, 250, 250, 250, 260, 300, 300, 320, 340, 360, 400, 400,
];

/** 24 hourly `[start, end)` pairs of a Taipei day, as ELMO writes them (`…T13:00:00.000+08:00`). */
function taipeiHours(date: string): { startTime: string; endTime: string }[] {
  const nextDate = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const at = (day: string, hour: number) => `${day}T${String(hour).padStart(2, '0')}:00:00.000+08:00`;
  return Array.from({ length: 24 }, (_, hour) => ({
    startTime: at(date, hour),
    endTime: hour === 23 ? at(nextDate, 0) : at(date, hour + 1),
  }));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** One valid payload per event subject. */
export const sampleEvents: EventMap = deepFreeze<EventMap>({
  [Subjects.CapacityForecastReceived]: {
    partnerId: PARTNER_ID,
    groupId: GROUP_ID,
    requestId: '7Q2K9X4M1B8N5V3C6Z0L2J4H7G9F1D3S',
    forecastType: 'CONSUMPTION',
    kind: 'day_ahead_assignment',
    receivedAt: '2025-06-17T02:00:01.532Z',
    blocks: taipeiHours(DAY).map((hour, i) => ({ ...hour, powerW: ASSIGNED_KW[i] * 1000, phase: 'ALL' })),
  },
  [Subjects.CapacityAdjustRequested]: {
    groupId: GROUP_ID,
    partnerId: PARTNER_ID,
    date: DAY,
    requestedBy: 'planner',
    reason: 'Forecast EV demand exceeds the assigned capacity from 13:00 to 17:00',
    blocks: taipeiHours(DAY).map((hour, i) => ({
      ...hour,
      powerW: (i >= 13 && i < 17 ? 350 : ASSIGNED_KW[i]) * 1000,
    })),
  },
  [Subjects.CapacityComplianceFailed]: {
    groupId: GROUP_ID,
    partnerId: PARTNER_ID,
    forecastRequestId: '7Q2K9X4M1B8N5V3C6Z0L2J4H7G9F1D3S',
    message: 'Non-curtailable load keeps the group above 250 kW between 14:00 and 15:00',
    detectedAt: '2025-06-18T05:45:12.087Z',
    affected: [
      {
        startTime: '2025-06-18T14:00:00.000+08:00',
        endTime: '2025-06-18T15:00:00.000+08:00',
        forecastPowerW: 250_000,
        expectedPowerW: 268_500,
      },
    ],
  },
  [Subjects.CapacityForecastMissed]: {
    partnerId: PARTNER_ID,
    groupId: GROUP_ID,
    kind: 'assignment_missing',
    date: DAY,
    detectedAt: '2025-06-17T02:05:00.000Z',
  },
  [Subjects.PlannerGroupTopologyChanged]: {
    groupId: GROUP_ID,
    partnerId: PARTNER_ID,
    stationIds: ['TW-TPE-0001', 'TW-TPE-0002'],
    deleted: false,
    changedAt: '2025-06-17T01:00:00.000Z',
  },
  [Subjects.PlannerStationLimitsPlanned]: {
    planId: PLAN_ID,
    groupId: GROUP_ID,
    stationId: 'TW-TPE-0001',
    reason: 'day_ahead',
    effectiveFrom: '2025-06-18T00:00:00.000+08:00',
    validUntil: '2025-06-19T00:00:00.000+08:00',
    connectors: [
      {
        connectorId: 0,
        schedule: {
          startSchedule: '2025-06-17T23:59:00.000+08:00',
          durationS: 86_460,
          chargingRateUnit: 'A',
          periods: [
            { startPeriodS: 0, limit: 64, numberPhases: 3 },
            { startPeriodS: 46_860, limit: 40, numberPhases: 3 },
            { startPeriodS: 61_260, limit: 48, numberPhases: 3 },
            { startPeriodS: 79_260, limit: 64, numberPhases: 3 },
          ],
        },
      },
      {
        connectorId: 1,
        schedule: {
          startSchedule: '2025-06-17T23:59:00.000+08:00',
          durationS: 86_460,
          chargingRateUnit: 'A',
          minChargingRate: 6,
          periods: [
            { startPeriodS: 0, limit: 32, numberPhases: 3 },
            { startPeriodS: 46_860, limit: 20, numberPhases: 3 },
            { startPeriodS: 61_260, limit: 24, numberPhases: 3 },
            { startPeriodS: 79_260, limit: 32, numberPhases: 3 },
          ],
        },
      },
    ],
  },
  [Subjects.OcppStationConnected]: {
    stationId: 'TW-TPE-0001',
    replicaId: 'ocpp-7c9d5b6f4-x2kqp',
    protocol: 'ocpp1.6',
    connectedAt: '2025-06-18T00:02:11.402Z',
    remoteAddress: '203.69.42.17',
  },
  [Subjects.OcppStationDisconnected]: {
    stationId: 'TW-TPE-0001',
    replicaId: 'ocpp-7c9d5b6f4-x2kqp',
    disconnectedAt: '2025-06-18T00:01:58.930Z',
    reason: 'websocket close 1006 (abnormal closure)',
  },
  [Subjects.OcppStationBooted]: {
    stationId: 'TW-TPE-0001',
    vendor: 'Delta',
    model: 'AC MAX 22kW',
    serialNumber: 'DAC22K2312000481',
    firmwareVersion: '1.12.4',
    registrationStatus: 'Accepted',
    intervalS: 300,
    bootedAt: '2025-06-18T00:02:12.118Z',
  },
  [Subjects.OcppConnectorStatus]: {
    stationId: 'TW-TPE-0001',
    connectorId: 1,
    status: 'Charging',
    errorCode: 'NoError',
    timestamp: '2025-06-18T01:15:03.000Z',
  },
  [Subjects.OcppTransactionStarted]: {
    stationId: 'TW-TPE-0001',
    connectorId: 1,
    transactionId: 184_467,
    idTag: '04A2B3C4D5E680',
    meterStartWh: 1_284_530,
    startedAt: '2025-06-18T01:15:00.000Z',
    idTagStatus: 'Accepted',
  },
  [Subjects.OcppTransactionStopped]: {
    stationId: 'TW-TPE-0001',
    transactionId: 184_467,
    idTag: '04A2B3C4D5E680',
    meterStopWh: 1_302_210,
    stoppedAt: '2025-06-18T03:42:27.000Z',
    reason: 'EVDisconnected',
    energyWh: 17_680,
  },
  [Subjects.OcppMeterSampled]: {
    stationId: 'TW-TPE-0001',
    connectorId: 1,
    transactionId: 184_467,
    timestamp: '2025-06-18T02:00:00.000Z',
    samples: [
      { measurand: 'Energy.Active.Import.Register', value: 1_293_410, unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet' },
      { measurand: 'Power.Active.Import', value: 14_080, unit: 'W', context: 'Sample.Periodic', location: 'Outlet' },
      { measurand: 'Current.Import', value: 21.3, unit: 'A', phase: 'L1', context: 'Sample.Periodic', location: 'Outlet' },
      { measurand: 'Current.Import', value: 21.4, unit: 'A', phase: 'L2', context: 'Sample.Periodic', location: 'Outlet' },
      { measurand: 'Current.Import', value: 21.2, unit: 'A', phase: 'L3', context: 'Sample.Periodic', location: 'Outlet' },
      { measurand: 'Voltage', value: 220.6, unit: 'V', phase: 'L1-N', context: 'Sample.Periodic', location: 'Outlet' },
      { measurand: 'Current.Offered', value: 32, unit: 'A', context: 'Sample.Periodic', location: 'Outlet' },
    ],
  },
  [Subjects.OcppChargingProfileApplied]: {
    stationId: 'TW-TPE-0001',
    connectorId: 1,
    planId: PLAN_ID,
    chargingProfileId: 1001,
    purpose: 'TxDefaultProfile',
    stackLevel: 1,
    appliedAt: '2025-06-17T08:05:02.713Z',
  },
  [Subjects.OcppChargingProfileFailed]: {
    stationId: 'TW-TPE-0001',
    connectorId: 0,
    planId: PLAN_ID,
    chargingProfileId: 1000,
    status: 'Rejected',
    detail: 'SetChargingProfile.conf status Rejected for ChargePointMaxProfile',
    failedAt: '2025-06-17T08:05:02.655Z',
  },
  [Subjects.OcppRemoteStartSettled]: {
    remoteStartId: 5_821,
    stationId: 'TW-TPE-0002',
    connectorId: 1,
    idTag: '04A2B3C4D5E680',
    status: 'Started',
    transactionId: 184_468,
    requestedAt: '2025-06-18T06:12:44.512Z',
    settledAt: '2025-06-18T06:13:31.204Z',
  },
  [Subjects.OcppReservationUpdated]: {
    stationId: 'TW-TPE-0002',
    reservationId: 3_107,
    connectorId: 2,
    idTag: '04A2B3C4D5E680',
    expiryDate: '2025-06-18T07:30:00.000Z',
    status: 'Used',
    transactionId: 184_469,
    updatedAt: '2025-06-18T07:04:18.377Z',
  },
  [Subjects.OcppFirmwareStatus]: {
    stationId: 'TW-TPE-0001',
    status: 'Installing',
    requestedAt: '2025-06-17T18:00:00.041Z',
    statusAt: '2025-06-17T19:02:45.880Z',
  },
  [Subjects.OcppDiagnosticsStatus]: {
    stationId: 'TW-TPE-0001',
    status: 'Uploaded',
    requestedAt: '2025-06-18T02:10:05.318Z',
    statusAt: '2025-06-18T02:11:40.002Z',
  },
  [Subjects.RemsMeasurementDecoded]: {
    tenantAlias: 'sunrise-energy',
    transceiverId: 'MATA49aac1d1c7',
    port: 0,
    source: 'mqtt',
    measuredAt: '2025-06-18T04:30:00.214Z',
    energySource: 'solar',
    phases: 3,
    powerW: 18_420,
    cumulativeWh: 52_864_310,
    values: {
      pvVoltageV: 612,
      pvCurrentA: 31,
      pvPowerW: 18_960,
      gridVoltageRV: 380,
      gridVoltageSV: 381,
      gridVoltageTV: 379,
      gridCurrentRA: 28,
      gridCurrentSA: 28,
      gridCurrentTA: 28,
      outputPowerW: 18_420,
      powerFactorPct: 99.8,
      frequencyHz: 60,
      cumulativeWh: 52_864_310,
      faultBits: 0,
    },
    faults: [],
  },
  [Subjects.OcpiCommandRequested]: {
    commandId: COMMAND_ID,
    type: 'START_SESSION',
    stationId: 'TW-TPE-0002',
    connectorId: 1,
    locationId: 'TPE-XINYI-01',
    evseUid: 'TW*CPO*E0002*1',
    requester: { countryCode: 'TW', partyId: 'EMP' },
    authorizationReference: 'a1f3c9d27e5b',
    parameters: {
      token: { uid: '012345678', type: 'APP_USER', auth_id: 'TW-EMP-C00012345-6', issuer: 'Example eMSP', valid: true, whitelist: 'ALLOWED' },
      location_id: 'TPE-XINYI-01',
      evse_uid: 'TW*CPO*E0002*1',
    },
    requestedAt: '2025-06-18T06:12:44.390Z',
  },
  [Subjects.OcpiCommandResult]: {
    commandId: COMMAND_ID,
    result: 'ACCEPTED',
    at: '2025-06-18T06:12:46.051Z',
  },
});

/** Valid request/reply payloads of the core request/reply subjects. */
export const sampleRequests: {
  readonly ocppCommandRequest: OcppCommandRequest;
  readonly ocppCommandReplyOk: OcppCommandReply;
  readonly ocppCommandReplyError: OcppCommandReply;
  readonly ocpiTokenAuthorizeRequest: OcpiTokenAuthorizeRequest;
  readonly ocpiTokenAuthorizeReply: OcpiTokenAuthorizeReply;
  readonly ocppDataTransferRequest: OcppDataTransferRequest;
  readonly ocppDataTransferReply: OcppDataTransferReply;
} = deepFreeze({
  ocppCommandRequest: {
    action: 'RemoteStartTransaction',
    payload: { connectorId: 1, idTag: '04A2B3C4D5E680' },
    timeoutMs: 30_000,
  },
  ocppCommandReplyOk: { status: 'ok', payload: { status: 'Accepted' } },
  ocppCommandReplyError: { status: 'error', code: 'Timeout', description: 'no answer from TW-TPE-0001 within 30000 ms' },
  ocpiTokenAuthorizeRequest: {
    uid: '04A2B3C4D5E680',
    tokenType: 'RFID',
    stationId: 'TW-TPE-0001',
    locationId: 'TPE-XINYI-01',
    evseUids: ['TW*CPO*E0001*1'],
  },
  ocpiTokenAuthorizeReply: {
    allowed: 'ALLOWED',
    authorizationReference: 'c4e8a1b2f6d9',
    info: { language: 'zh', text: '授權成功，請開始充電' },
  },
  ocppDataTransferRequest: {
    stationId: 'TW-TPE-0001',
    vendorId: 'com.example.charger',
    messageId: 'CableTemperature',
    data: '{"celsius":41.5}',
    receivedAt: '2025-06-18T06:12:46.051Z',
  },
  ocppDataTransferReply: { status: 'Accepted', data: 'ok' },
});
