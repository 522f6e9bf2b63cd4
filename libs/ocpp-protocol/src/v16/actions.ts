/**
 * OCPP 1.6 action names by direction and feature profile (guide §2). Action names are
 * case-sensitive on the wire, so these literal lists are the single source of truth; the spec
 * test checks them against the schema files so a missing schema or action cannot slip in.
 */

/** Charger-initiated CALLs (CP→CS), core/profiles first, then the security extension. */
export const CP_ACTIONS_16 = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  'LogStatusNotification',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
] as const;

/** CSMS-initiated CALLs (CS→CP). DataTransfer goes both ways, so it is in both lists. */
export const CS_ACTIONS_16 = [
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
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
] as const;

export type CpAction16 = (typeof CP_ACTIONS_16)[number];
export type CsAction16 = (typeof CS_ACTIONS_16)[number];
export type Action16 = CpAction16 | CsAction16;

/** Every 1.6 action once (DataTransfer appears in both direction lists). */
export const ACTIONS_16: readonly Action16[] = [...new Set<Action16>([...CP_ACTIONS_16, ...CS_ACTIONS_16])];

const actionSet: ReadonlySet<string> = new Set(ACTIONS_16);

/** True for a 1.6 action name in either direction; false means CALLERROR `NotImplemented` (§1.6). */
export function isAction16(name: string): name is Action16 {
  return actionSet.has(name);
}

const cpActionSet: ReadonlySet<string> = new Set(CP_ACTIONS_16);
const csActionSet: ReadonlySet<string> = new Set(CS_ACTIONS_16);

/** A charger may send this action (CALL in direction CP→CS). */
export function isCpAction16(name: string): name is CpAction16 {
  return cpActionSet.has(name);
}

/** The CSMS may send this action (CALL in direction CS→CP). */
export function isCsAction16(name: string): name is CsAction16 {
  return csActionSet.has(name);
}

export type FeatureProfile16 =
  | 'Core'
  | 'FirmwareManagement'
  | 'LocalAuthListManagement'
  | 'Reservation'
  | 'SmartCharging'
  | 'RemoteTrigger'
  | 'Security';

/**
 * Feature profile of each action (spec §3 / guide §2). `Security` is not a profile in the
 * `SupportedFeatureProfiles` key sense; it marks the optional security-whitepaper messages.
 */
export const FEATURE_PROFILE_16: Readonly<Record<Action16, FeatureProfile16>> = {
  Authorize: 'Core',
  BootNotification: 'Core',
  ChangeAvailability: 'Core',
  ChangeConfiguration: 'Core',
  ClearCache: 'Core',
  DataTransfer: 'Core',
  GetConfiguration: 'Core',
  Heartbeat: 'Core',
  MeterValues: 'Core',
  RemoteStartTransaction: 'Core',
  RemoteStopTransaction: 'Core',
  Reset: 'Core',
  StartTransaction: 'Core',
  StatusNotification: 'Core',
  StopTransaction: 'Core',
  UnlockConnector: 'Core',
  DiagnosticsStatusNotification: 'FirmwareManagement',
  FirmwareStatusNotification: 'FirmwareManagement',
  GetDiagnostics: 'FirmwareManagement',
  UpdateFirmware: 'FirmwareManagement',
  GetLocalListVersion: 'LocalAuthListManagement',
  SendLocalList: 'LocalAuthListManagement',
  CancelReservation: 'Reservation',
  ReserveNow: 'Reservation',
  ClearChargingProfile: 'SmartCharging',
  GetCompositeSchedule: 'SmartCharging',
  SetChargingProfile: 'SmartCharging',
  TriggerMessage: 'RemoteTrigger',
  CertificateSigned: 'Security',
  DeleteCertificate: 'Security',
  ExtendedTriggerMessage: 'Security',
  GetInstalledCertificateIds: 'Security',
  GetLog: 'Security',
  InstallCertificate: 'Security',
  LogStatusNotification: 'Security',
  SecurityEventNotification: 'Security',
  SignCertificate: 'Security',
  SignedFirmwareStatusNotification: 'Security',
  SignedUpdateFirmware: 'Security',
};

/**
 * The charger messages a TriggerMessage or ExtendedTriggerMessage (security extension) asks for:
 * the requested message is an action name, except the extension's `SignChargePointCertificate`
 * (answered with SignCertificate) and its `FirmwareStatusNotification`, which a charger doing signed
 * updates answers with SignedFirmwareStatusNotification. Unknown names give none.
 */
export function triggeredActions16(requestedMessage: string): CpAction16[] {
  if (requestedMessage === 'SignChargePointCertificate') return ['SignCertificate'];
  if (requestedMessage === 'FirmwareStatusNotification') return ['FirmwareStatusNotification', 'SignedFirmwareStatusNotification'];
  return isCpAction16(requestedMessage) ? [requestedMessage] : [];
}
