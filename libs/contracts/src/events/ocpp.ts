/**
 * Payloads of the OCPP stream: what chargers did and measured, as seen by the ocpp service.
 * Values are normalised (numbers instead of OCPP's numeric strings, explicit defaults) but OCPP 1.6
 * enumerations are kept verbatim.
 */
import { z } from 'zod';
import {
  ConnectorId,
  EnergyWh,
  NonEmptyString,
  PhysicalConnectorId,
  StationId,
  Timestamp,
} from './common.js';
import {
  OcppAuthorizationStatus,
  OcppChargePointErrorCode,
  OcppChargePointStatus,
  OcppMeasurand,
  OcppMeasurementLocation,
  OcppPhase,
  OcppReadingContext,
  OcppStopReason,
  OcppUnitOfMeasure,
} from './ocpp16-enums.js';

/** An OCPP 1.6 `transactionId` (an integer allocated by the central system). */
const TransactionId = z.number().int();

/** `ocpp.station.connected`: a charger opened its WebSocket on an ocpp replica. */
export const OcppStationConnectedV1 = z.strictObject({
  stationId: StationId,
  /** The ocpp replica holding the socket (and subscribed to the station's command subject). */
  replicaId: NonEmptyString,
  /** The negotiated WebSocket subprotocol. */
  protocol: z.enum(['ocpp1.6', 'ocpp2.0.1']),
  connectedAt: Timestamp,
  /** The peer address as seen by the replica (behind a proxy: the forwarded client address). */
  remoteAddress: NonEmptyString.optional(),
});
export type OcppStationConnected = z.infer<typeof OcppStationConnectedV1>;

/** `ocpp.station.disconnected`: the charger's WebSocket closed. */
export const OcppStationDisconnectedV1 = z.strictObject({
  stationId: StationId,
  replicaId: NonEmptyString,
  disconnectedAt: Timestamp,
  /** Close code/reason or the local cause (e.g. `heartbeat timeout`, `replica shutdown`). */
  reason: NonEmptyString.optional(),
});
export type OcppStationDisconnected = z.infer<typeof OcppStationDisconnectedV1>;

/** `ocpp.station.booted`: the charger sent BootNotification and got this answer. */
export const OcppStationBootedV1 = z.strictObject({
  stationId: StationId,
  /** `chargePointVendor` (the OCA schema allows an empty string). */
  vendor: z.string().max(255),
  /** `chargePointModel` (the OCA schema allows an empty string). */
  model: z.string().max(255),
  /** `chargePointSerialNumber` (or `chargeBoxSerialNumber` when only that is sent). */
  serialNumber: NonEmptyString.optional(),
  firmwareVersion: NonEmptyString.optional(),
  /** The registration status we answered. */
  registrationStatus: z.enum(['Accepted', 'Pending', 'Rejected']),
  /** The heartbeat (Accepted) or retry (Pending/Rejected) interval we answered, in seconds. */
  intervalS: z.number().int().nonnegative(),
  bootedAt: Timestamp,
});
export type OcppStationBooted = z.infer<typeof OcppStationBootedV1>;

/** `ocpp.connector.status`: a StatusNotification. */
export const OcppConnectorStatusV1 = z.strictObject({
  stationId: StationId,
  /** `0` = the station as a whole. */
  connectorId: ConnectorId,
  status: OcppChargePointStatus,
  errorCode: OcppChargePointErrorCode,
  info: NonEmptyString.optional(),
  vendorId: NonEmptyString.optional(),
  vendorErrorCode: NonEmptyString.optional(),
  /** The charger's timestamp, or the receipt time when it sent none. */
  timestamp: Timestamp,
});
export type OcppConnectorStatus = z.infer<typeof OcppConnectorStatusV1>;

/**
 * `ocpp.transaction.started`: a StartTransaction ocpp stored and answered with `transactionId`,
 * whatever its `idTagStatus` (a charger whose StopTransactionOnInvalidId is false keeps charging
 * under a refused tag, so the connector is in use either way).
 */
export const OcppTransactionStartedV1 = z.strictObject({
  stationId: StationId,
  connectorId: PhysicalConnectorId,
  transactionId: TransactionId,
  /**
   * The identifier (RFID uid, remote-start tag) that authorised the session. Absent when the charger
   * started it without one: OCPP 1.6 allows an empty idTag, which chargers set up for free vend (no
   * authorisation) send. Such a session is a session on its connector like any other, but no
   * token's: nobody to bill or roam it to. Optional since within version 1 (as on `stopped`); ocpp
   * releases before it published no event for such a start at all.
   */
  idTag: NonEmptyString.optional(),
  /** Meter register at start, in Wh. */
  meterStartWh: EnergyWh,
  /** The charger's start time (may be in the past if the start was queued offline). */
  startedAt: Timestamp,
  reservationId: z.number().int().optional(),
  /**
   * OCPI `authorization_reference` of a roaming session: the eMSP's, from the START_SESSION that
   * started it or the real-time authorisation (`OcpiTokenAuthorizeReply`) of its idTag, as stored
   * with the transaction. ocpi-hub echoes it in the OCPI 2.2.1 Session and CDR. Absent for a
   * session the eMSP gave none for (and every local one). Optional (added within version 1):
   * ocpp releases before it leave it out.
   */
  authorizationReference: NonEmptyString.optional(),
  /**
   * The `idTagInfo.status` ocpp answered to the StartTransaction. Anything but `Accepted` is a
   * refused start the charger may still run: it still draws power on its connector, but nobody
   * authorised it (ocpi-hub makes no roaming Session or CDR of it). Absent = unknown (ocpp releases
   * before it leave it out): read as `Accepted`, as those releases' consumers did. Optional (added
   * within version 1).
   */
  idTagStatus: OcppAuthorizationStatus.optional(),
});
export type OcppTransactionStarted = z.infer<typeof OcppTransactionStartedV1>;

/**
 * `ocpp.transaction.stopped`: a StopTransaction. Energy delivered: `energyWh` when present, else
 * `meterStopWh − meterStartWh` (not below 0).
 */
export const OcppTransactionStoppedV1 = z.strictObject({
  stationId: StationId,
  transactionId: TransactionId,
  idTag: NonEmptyString.optional(),
  /** Meter register at stop, in Wh. */
  meterStopWh: EnergyWh,
  stoppedAt: Timestamp,
  /** Absent means `Local` in OCPP 1.6. */
  reason: OcppStopReason.optional(),
  /**
   * ocpp's settled energy for the session in Wh, the figure its own views and exports show: the
   * register's growth from `meterStartWh`, except that a register slightly below the start is 0
   * and one far below it is a meter that restarted during the session, counted from zero. Consumers
   * settling the session (ocpi-hub's CDR) use it so every side bills the same figure. Absent from
   * ocpp releases before it (optional, added within version 1): fall back to
   * `max(0, meterStopWh − meterStartWh)`.
   */
  energyWh: z.number().int().nonnegative().optional(),
});
export type OcppTransactionStopped = z.infer<typeof OcppTransactionStoppedV1>;

/** One normalised `SampledValue`. */
export const OcppMeterSampleV1 = z.strictObject({
  /** What was measured; the producer fills in OCPP's default `Energy.Active.Import.Register`. */
  measurand: OcppMeasurand,
  /** The value in `unit`, parsed from the charger's decimal string (may be negative, e.g. °C). */
  value: z.number(),
  /** Unit of `value`; when the charger sent none, the producer fills in the measurand's (A for currents, W for active power, V, var/varh, Percent for SoC; OCPP's default `Wh` otherwise). */
  unit: OcppUnitOfMeasure,
  phase: OcppPhase.optional(),
  context: OcppReadingContext.optional(),
  location: OcppMeasurementLocation.optional(),
});
export type OcppMeterSample = z.infer<typeof OcppMeterSampleV1>;

/** `ocpp.meter.sampled`: one `MeterValue` (all samples taken at one instant) from MeterValues. */
export const OcppMeterSampledV1 = z.strictObject({
  stationId: StationId,
  /** `0` = the station's main meter. */
  connectorId: ConnectorId,
  transactionId: TransactionId.optional(),
  /** When the values were measured (the charger's clock). */
  timestamp: Timestamp,
  samples: z.array(OcppMeterSampleV1).min(1),
});
export type OcppMeterSampled = z.infer<typeof OcppMeterSampledV1>;

/** OCPP 1.6 `ChargingProfilePurposeType`. */
export const OcppChargingProfilePurpose = z.enum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']);
export type OcppChargingProfilePurpose = z.infer<typeof OcppChargingProfilePurpose>;

/** `ocpp.charging-profile.applied`: the charger answered `Accepted` to SetChargingProfile. */
export const OcppChargingProfileAppliedV1 = z.strictObject({
  stationId: StationId,
  connectorId: ConnectorId,
  /** The `planner.station-limits.planned` plan this profile implements; absent for manual profiles. */
  planId: z.uuid().optional(),
  chargingProfileId: z.number().int(),
  purpose: OcppChargingProfilePurpose,
  stackLevel: z.number().int().nonnegative(),
  appliedAt: Timestamp,
});
export type OcppChargingProfileApplied = z.infer<typeof OcppChargingProfileAppliedV1>;

/**
 * `ocpp.charging-profile.failed`: a profile was not applied. `Rejected`/`NotSupported` are the
 * charger's answer; `Timeout` = no answer in time; `Offline` = no socket; `Error` = a CallError;
 * `NotObeyed` = the charger accepted it (an `applied` event came first) but GetCompositeSchedule
 * reports a higher limit in effect, i.e. it does not apply the limit (`detail` says by how much).
 */
export const OcppChargingProfileFailedV1 = z.strictObject({
  stationId: StationId,
  connectorId: ConnectorId,
  planId: z.uuid().optional(),
  chargingProfileId: z.number().int(),
  status: z.enum(['Rejected', 'NotSupported', 'Timeout', 'Offline', 'Error', 'NotObeyed']),
  /** Details for operators, e.g. the CallError code and description. */
  detail: NonEmptyString.optional(),
  failedAt: Timestamp,
});
export type OcppChargingProfileFailed = z.infer<typeof OcppChargingProfileFailedV1>;
