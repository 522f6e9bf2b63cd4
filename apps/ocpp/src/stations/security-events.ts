/**
 * Security event types of the OCPP 1.6 Security Whitepaper (edition 3, appendix 1), with the ones it
 * marks critical: a charger sends those to the central system whatever its settings. Charger-specific
 * types are allowed by the whitepaper; they are stored as sent and counted as `other`.
 */
const SECURITY_EVENTS: Record<string, boolean> = {
  FirmwareUpdated: true,
  FailedToAuthenticateAtCentralSystem: false,
  CentralSystemFailedToAuthenticate: false,
  SettingSystemTime: true,
  StartupOfTheDevice: true,
  ResetOrReboot: true,
  SecurityLogWasCleared: true,
  ReconfigurationOfSecurityParameters: false,
  MemoryExhaustion: true,
  InvalidMessages: false,
  AttemptedReplayAttacks: false,
  TamperDetectionActivated: true,
  InvalidFirmwareSignature: false,
  InvalidFirmwareSigningCertificate: false,
  InvalidCentralSystemCertificate: false,
  InvalidChargePointCertificate: false,
  InvalidTLSVersion: false,
  InvalidTLSCipherSuite: false,
};

/** The metric label for a reported type (bounded: a charger cannot create series) and whether it is critical. */
export function securityEventLabel(type: string): { type: string; critical: boolean } {
  const critical = Object.hasOwn(SECURITY_EVENTS, type) ? SECURITY_EVENTS[type]! : undefined;
  return critical === undefined ? { type: 'other', critical: false } : { type, critical };
}
