/**
 * OCPP 1.6 enumerations carried verbatim in bus payloads. Values are copied from the OCA 1.6 JSON
 * schemas (2019-12 core/profile files and the 2020-03 security extension), so a value the charger
 * sent can be forwarded without mapping.
 */
import { z } from 'zod';

/** `StatusNotification.status` (ChargePointStatus). */
export const OcppChargePointStatus = z.enum([
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
]);
export type OcppChargePointStatus = z.infer<typeof OcppChargePointStatus>;

/** `StatusNotification.errorCode` (ChargePointErrorCode); `NoError` when the status is not a fault. */
export const OcppChargePointErrorCode = z.enum([
  'ConnectorLockFailure',
  'EVCommunicationError',
  'GroundFailure',
  'HighTemperature',
  'InternalError',
  'LocalListConflict',
  'NoError',
  'OtherError',
  'OverCurrentFailure',
  'PowerMeterFailure',
  'PowerSwitchFailure',
  'ReaderFailure',
  'ResetFailure',
  'UnderVoltage',
  'OverVoltage',
  'WeakSignal',
]);
export type OcppChargePointErrorCode = z.infer<typeof OcppChargePointErrorCode>;

/** `StopTransaction.reason` (Reason). An absent reason means `Local` in OCPP 1.6. */
export const OcppStopReason = z.enum([
  'EmergencyStop',
  'EVDisconnected',
  'HardReset',
  'Local',
  'Other',
  'PowerLoss',
  'Reboot',
  'Remote',
  'SoftReset',
  'UnlockCommand',
  'DeAuthorized',
]);
export type OcppStopReason = z.infer<typeof OcppStopReason>;

/** `IdTagInfo.status` (AuthorizationStatus): the central system's answer about an idTag. */
export const OcppAuthorizationStatus = z.enum(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);
export type OcppAuthorizationStatus = z.infer<typeof OcppAuthorizationStatus>;

/** `SampledValue.measurand` (Measurand). OCPP's default when absent is `Energy.Active.Import.Register`. */
export const OcppMeasurand = z.enum([
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Energy.Reactive.Export.Interval',
  'Energy.Reactive.Import.Interval',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Offered',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'Power.Factor',
  'Current.Import',
  'Current.Export',
  'Current.Offered',
  'Voltage',
  'Frequency',
  'Temperature',
  'SoC',
  'RPM',
]);
export type OcppMeasurand = z.infer<typeof OcppMeasurand>;

/**
 * `SampledValue.unit` (UnitOfMeasure). OCPP's default when absent is `Wh`. Both the misspelt
 * `Celcius` of the 2019-12 schemas and the corrected `Celsius` (errata 2025-04) are accepted.
 */
export const OcppUnitOfMeasure = z.enum([
  'Wh',
  'kWh',
  'varh',
  'kvarh',
  'W',
  'kW',
  'VA',
  'kVA',
  'var',
  'kvar',
  'A',
  'V',
  'K',
  'Celcius',
  'Celsius',
  'Fahrenheit',
  'Percent',
]);
export type OcppUnitOfMeasure = z.infer<typeof OcppUnitOfMeasure>;

/** `SampledValue.phase` (Phase). */
export const OcppPhase = z.enum(['L1', 'L2', 'L3', 'N', 'L1-N', 'L2-N', 'L3-N', 'L1-L2', 'L2-L3', 'L3-L1']);
export type OcppPhase = z.infer<typeof OcppPhase>;

/** `SampledValue.context` (ReadingContext). OCPP's default when absent is `Sample.Periodic`. */
export const OcppReadingContext = z.enum([
  'Interruption.Begin',
  'Interruption.End',
  'Sample.Clock',
  'Sample.Periodic',
  'Transaction.Begin',
  'Transaction.End',
  'Trigger',
  'Other',
]);
export type OcppReadingContext = z.infer<typeof OcppReadingContext>;

/** `SampledValue.location` (Location). OCPP's default when absent is `Outlet`. */
export const OcppMeasurementLocation = z.enum(['Cable', 'EV', 'Inlet', 'Outlet', 'Body']);
export type OcppMeasurementLocation = z.infer<typeof OcppMeasurementLocation>;

/**
 * Actions the central system (CSMS) may call on a charger in OCPP 1.6-J: the core and feature
 * profiles plus the 1.6 security extension.
 */
export const OcppCsmsAction = z.enum([
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
  // Security extension (Improved security for OCPP 1.6-J).
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
]);
export type OcppCsmsAction = z.infer<typeof OcppCsmsAction>;
