/** Wire types of the enfinity-rems device API (§4 of the REMS guide). */

/** Lifetimes in milliseconds, as the guide's `…ExpirationTime` fields carry them (not timestamps). */
export const ACCESS_TOKEN_LIFETIME_MS = 3_600_000;
export const REFRESH_TOKEN_LIFETIME_MS = 604_800_000;

export interface RegisterResult {
  transceiverId: string;
  password: string;
  tenantAlias: string;
}

export interface SignInRequest {
  serialId: string;
  password: string;
  tenantAlias: string;
}

export interface RefreshTokenRequest {
  refreshToken: string;
  tenantAlias: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessTokenExpirationTime: number;
  refreshTokenExpirationTime: number;
}

export const DeviceModelTypes = ['TRANSCEIVER', 'MODULE'] as const;
export type DeviceModelType = (typeof DeviceModelTypes)[number];

export const CommandTypes = ['RESTART', 'UPDATE', 'VERIFY'] as const;
export type CommandType = (typeof CommandTypes)[number];

export const CommandStatuses = ['REQUESTED', 'PROCESSING', 'COMPLETED', 'CANCELLED', 'ERROR'] as const;
export type CommandStatus = (typeof CommandStatuses)[number];

/** A control command, as listed by 5.6, created by 5.10 and published on MQTT. */
export interface ControlCommand {
  id: string;
  transceiverId: string;
  serialId: string;
  tenantAlias: string;
  type: CommandType;
  deviceModelType: DeviceModelType;
  port?: number;
  status: CommandStatus;
  processed: boolean;
  message?: string;
  /** UPDATE only. */
  version?: string;
  /** UPDATE only. */
  url?: string;
}

/** One firmware update to apply; `id` is the transceiverControlId of an UPDATE command. */
export interface FirmwareUpdate {
  id: string;
  version: string;
  type: DeviceModelType;
  /** MODULE only. */
  port?: number;
  url: string;
}

export const FirmwareCheckTypes = ['ALL', 'TRANSCEIVER', 'MODULE'] as const;
export type FirmwareCheckType = (typeof FirmwareCheckTypes)[number];

export interface FirmwareCheckRequest {
  type?: FirmwareCheckType;
  port?: number;
}

export interface DirectProcessRequest {
  type?: CommandType;
  deviceModelType?: DeviceModelType;
  port?: number;
}

export interface ProcessStatusRequest {
  id: string;
  status: CommandStatus;
  message?: string;
}

export interface MeterUploadRequest {
  /** 0-based port; missing means 0. */
  multi?: number;
  /** KEA REMS frame in hex. */
  data: string;
}

/** MQTT `{prefix}/meter` payload. */
export interface MqttMeterMessage {
  transceiverId: string;
  port?: number;
  data: string;
}

export const GraphPeriods = ['MONTH', 'DAY', 'HOUR', 'PER_METER'] as const;
export type GraphPeriod = (typeof GraphPeriods)[number];

export interface GraphQuery {
  period?: GraphPeriod;
  startDate?: string;
  endDate?: string;
}

export interface GraphValue {
  port: number;
  term: string;
  /** Energy in kWh. */
  value: number;
  /** Bucket start, ISO UTC (an addition to the guide's shape). */
  at: string;
}

export interface GraphResult {
  values: GraphValue[];
}
