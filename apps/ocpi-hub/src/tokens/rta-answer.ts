import { AuthorizationInfo, isSuccess, OcpiStatus, type AllowedType, type OcpiVersion, type ParsedOcpiResponse } from '@cpo/ocpi-protocol';

/** One eMSP's answer to a real-time authorisation, reduced to what the aggregation needs. */
export type EmspAnswer =
  | { kind: 'answer'; allowed: AllowedType; info: AuthorizationInfo }
  | { kind: 'unknown' }
  | { kind: 'timeout' }
  | { kind: 'failed'; reason: string };

/**
 * Interprets an eMSP's reply (guide §8.3): HTTP 404, status 2004, and on 2.1.1 a 2000 that says
 * "unknown" all mean the token is unknown there; a valid AuthorizationInfo is an answer.
 */
export function interpretAnswer(version: OcpiVersion, httpStatus: number, envelope: ParsedOcpiResponse | undefined): EmspAnswer {
  if (httpStatus === 404 || envelope?.status_code === OcpiStatus.UnknownToken) return { kind: 'unknown' };
  if (version === '2.1.1' && envelope?.status_code === OcpiStatus.ClientError && /unknown/i.test(envelope.status_message ?? '')) return { kind: 'unknown' };
  if (!isSuccess(httpStatus, envelope?.status_code)) return { kind: 'failed', reason: `HTTP ${httpStatus} status ${envelope?.status_code ?? 'none'}` };
  const info = AuthorizationInfo.safeParse(envelope?.data);
  if (!info.success) return { kind: 'failed', reason: 'invalid AuthorizationInfo' };
  return { kind: 'answer', allowed: info.data.allowed, info: info.data };
}
