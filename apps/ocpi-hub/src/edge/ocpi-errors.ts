/**
 * OCPI-specific outcomes expressed with the platform's named errors: `details.ocpiStatus` picks the
 * OCPI status code and `details.httpStatus` the HTTP status where the spec fixes one (405 on the
 * credentials module). The OCPI exception filter reads both.
 */
import { ConflictError, NotFoundError, TimeoutError, UnavailableError, ValidationError } from '@cpo/platform';
import { OcpiStatus } from '@cpo/ocpi-protocol';

export interface OcpiErrorDetails {
  ocpiStatus?: number;
  httpStatus?: number;
  /** Data to send with an error response (rare: an eMSP's refusal with its AuthorizationInfo). */
  data?: unknown;
}

export const invalidParameters = (message: string) => new ValidationError(message, { ocpiStatus: OcpiStatus.InvalidParameters } satisfies OcpiErrorDetails);
export const notEnoughInformation = (message: string) => new ValidationError(message, { ocpiStatus: OcpiStatus.NotEnoughInformation } satisfies OcpiErrorDetails);
export const unknownLocation = (message: string) => new ValidationError(message, { ocpiStatus: OcpiStatus.UnknownLocation } satisfies OcpiErrorDetails);
export const unknownObject = (message: string) => new NotFoundError(message, { ocpiStatus: OcpiStatus.ClientError, httpStatus: 404 } satisfies OcpiErrorDetails);
export const unknownToken = (message: string) => new NotFoundError(message, { ocpiStatus: OcpiStatus.UnknownToken, httpStatus: 404 } satisfies OcpiErrorDetails);
export const methodNotAllowed = (message: string) => new ConflictError(message, { ocpiStatus: OcpiStatus.ClientError, httpStatus: 405 } satisfies OcpiErrorDetails);
export const unableToUseClientApi = (message: string, cause?: unknown) => new UnavailableError(message, { ocpiStatus: OcpiStatus.UnableToUseClientApi } satisfies OcpiErrorDetails, { cause });
export const unsupportedVersion = (message: string) => new ValidationError(message, { ocpiStatus: OcpiStatus.UnsupportedVersion } satisfies OcpiErrorDetails);
export const noMatchingEndpoints = (message: string) => new ValidationError(message, { ocpiStatus: OcpiStatus.NoMatchingEndpoints } satisfies OcpiErrorDetails);
export const unknownReceiver = (message: string) => new NotFoundError(message, { ocpiStatus: OcpiStatus.UnknownReceiver, httpStatus: 200 } satisfies OcpiErrorDetails);
export const receiverNotConnected = (message: string) => new UnavailableError(message, { ocpiStatus: OcpiStatus.ConnectionProblem } satisfies OcpiErrorDetails);
export const forwardTimeout = (message: string) => new TimeoutError(message, { ocpiStatus: OcpiStatus.ForwardTimeout } satisfies OcpiErrorDetails);
