/** The physical and configured facts of one simulated charge point. */
export interface StationConfig {
  identity: string;
  vendor: string;
  model: string;
  firmwareVersion: string;
  serialNumber?: string;
  connectors: number;
  /** Per connector, amperes per phase. */
  maxCurrentA: number;
  phases: 1 | 3;
  voltageV: number;
}

export const defaultStation = (identity: string, overrides: Partial<StationConfig> = {}): StationConfig => ({
  identity,
  vendor: 'CPO-Sim',
  model: 'AC22-2',
  firmwareVersion: '1.0.0',
  connectors: 2,
  maxCurrentA: 32,
  phases: 3,
  voltageV: 230,
  ...overrides,
});

export interface ConfigKey {
  value: string;
  readonly: boolean;
  /** Write-only keys (AuthorizationKey) are never reported by GetConfiguration. */
  writeOnly?: boolean;
}

/**
 * The standard OCPP 1.6 configuration keys a simulated charger reports,
 * including the smart-charging capability keys the CSMS reads at onboarding.
 */
export function defaultConfiguration(s: StationConfig): Map<string, ConfigKey> {
  const rw = (value: string): ConfigKey => ({ value, readonly: false });
  const ro = (value: string): ConfigKey => ({ value, readonly: true });
  return new Map<string, ConfigKey>([
    ['AllowOfflineTxForUnknownId', rw('false')],
    ['AuthorizationCacheEnabled', rw('true')],
    ['AuthorizeRemoteTxRequests', rw('false')],
    ['ClockAlignedDataInterval', rw('0')],
    ['ConnectionTimeOut', rw('60')],
    ['GetConfigurationMaxKeys', ro('100')],
    ['HeartbeatInterval', rw('300')],
    ['LocalAuthorizeOffline', rw('true')],
    ['LocalPreAuthorize', rw('false')],
    ['MeterValuesAlignedData', rw('Energy.Active.Import.Register')],
    ['MeterValuesSampledData', rw('Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered')],
    ['MeterValueSampleInterval', rw('60')],
    ['NumberOfConnectors', ro(String(s.connectors))],
    ['ResetRetries', rw('1')],
    ['StopTransactionOnEVSideDisconnect', rw('true')],
    ['StopTransactionOnInvalidId', rw('true')],
    ['StopTxnSampledData', rw('Energy.Active.Import.Register')],
    ['SupportedFeatureProfiles', ro('Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger')],
    ['TransactionMessageAttempts', rw('3')],
    ['TransactionMessageRetryInterval', rw('30')],
    ['UnlockConnectorOnEVSideDisconnect', rw('true')],
    ['WebSocketPingInterval', rw('60')],
    ['LocalAuthListEnabled', rw('true')],
    ['LocalAuthListMaxLength', ro('1000')],
    ['SendLocalListMaxLength', ro('100')],
    ['ReserveConnectorZeroSupported', ro('false')],
    ['ChargeProfileMaxStackLevel', ro('8')],
    ['ChargingScheduleAllowedChargingRateUnit', ro('Current,Power')],
    ['ChargingScheduleMaxPeriods', ro('24')],
    ['MaxChargingProfilesInstalled', ro('16')],
    ['ConnectorSwitch3to1PhaseSupported', ro('false')],
    ['AuthorizationKey', { value: '', readonly: false, writeOnly: true }],
  ]);
}
