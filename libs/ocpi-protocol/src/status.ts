/**
 * OCPI status codes (`status_codes.*`) and how the hub maps them to HTTP and between versions.
 */

/** The OCPI `status_code` values the hub sends or understands. */
export const OcpiStatus = {
  Success: 1000,
  ClientError: 2000,
  InvalidParameters: 2001,
  NotEnoughInformation: 2002,
  UnknownLocation: 2003,
  /** 2.2.1 only. */
  UnknownToken: 2004,
  ServerError: 3000,
  UnableToUseClientApi: 3001,
  UnsupportedVersion: 3002,
  NoMatchingEndpoints: 3003,
  /** 2.2.1 only: hub generic error. */
  HubError: 4000,
  /** 2.2.1 only: TO address unknown. */
  UnknownReceiver: 4001,
  /** 2.2.1 only: forwarded request timed out. */
  ForwardTimeout: 4002,
  /** 2.2.1 only: receiver not connected. */
  ConnectionProblem: 4003,
} as const;
export type OcpiStatusCode = (typeof OcpiStatus)[keyof typeof OcpiStatus] | number;

/** The two wire versions the hub speaks. `2.1.1` covers the -d2 documentation revision. */
export type OcpiVersion = '2.1.1' | '2.2.1';
export const OCPI_VERSIONS: readonly OcpiVersion[] = ['2.1.1', '2.2.1'];

export function isOcpiVersion(value: unknown): value is OcpiVersion {
  return value === '2.1.1' || value === '2.2.1';
}

/**
 * What a status code becomes on a given edge. 2.1.1 knows neither 2004 nor 4xxx: 4xxx become
 * 3000 with the original meaning kept in the message (guide §8.5), 2004 becomes 2000.
 */
export function statusForVersion(version: OcpiVersion, code: number, message?: string): { code: number; message?: string } {
  if (version === '2.2.1') return { code, message };
  if (code >= 4000 && code < 5000) return { code: OcpiStatus.ServerError, message: `hub ${code}: ${message ?? hubMessages[code] ?? 'hub error'}` };
  if (code === OcpiStatus.UnknownToken) return { code: OcpiStatus.ClientError, message: message ?? 'unknown token' };
  return { code, message };
}

const hubMessages: Record<number, string> = {
  4000: 'hub error',
  4001: 'unknown receiver',
  4002: 'forwarded request timed out',
  4003: 'receiver not connected',
};

/** True when a forwarded call counts as a success: HTTP 200/201 and status 1000–1999. */
export function isSuccess(httpStatus: number, statusCode: number | undefined): boolean {
  return httpStatus >= 200 && httpStatus < 300 && statusCode !== undefined && statusCode >= 1000 && statusCode < 2000;
}
