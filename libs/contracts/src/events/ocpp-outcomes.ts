/**
 * Late outcomes of operator commands (guide §4.3: the synchronous command API answers within a
 * timeout; what the charger does after its answer arrives here, CitrineOS-style). Each event is
 * published through ocpp's outbox in the transaction that records the outcome, so a back office
 * that consumes them sees what the REST views show, without polling them.
 */
import { z } from 'zod';
import { ConnectorId, NonEmptyString, StationId, Timestamp, whenFieldsValid } from './common.js';

/** An OCPP 1.6 `transactionId`. */
const TransactionId = z.number().int();

/**
 * `ocpp.remote-start.settled`: a RemoteStartTransaction reached a final state. `Started` = its
 * StartTransaction came (with `transactionId`); `Rejected` = the charger answered so; `Failed` = it
 * cannot have acted on it (CallError, never sent); `TimedOut` = no StartTransaction within
 * `OCPP_REMOTE_START_TIMEOUT_S` (accepted or unanswered).
 *
 * One revision exists: a StartTransaction arriving within 10 minutes of the request after it
 * `TimedOut` (a driver who plugged in after our timeout but within the charger's ConnectionTimeOut)
 * still started the session the request asked for: the same `remoteStartId` is then published again
 * as `Started`, with `previousStatus: 'TimedOut'`. Nothing follows a `Started`, `Rejected` or
 * `Failed`. Consumers keep the latest event per `remoteStartId` (a `Started` wins over `TimedOut`).
 */
export const OcppRemoteStartSettledV1 = z
  .strictObject({
    /** ocpp's id of the request (`id` in `GET /stations/{id}/remote-starts`). */
    remoteStartId: z.number().int().positive(),
    stationId: StationId,
    /** The connector the request named; absent when the charger was left to choose. */
    connectorId: ConnectorId.optional(),
    /** The idTag the request started with, as sent. */
    idTag: NonEmptyString,
    status: z.enum(['Started', 'Rejected', 'Failed', 'TimedOut']),
    /** The transaction the remote start led to: present exactly when `status` is `Started`. */
    transactionId: TransactionId.optional(),
    /** Set on a `Started` that revises an earlier `TimedOut` of the same remote start. */
    previousStatus: z.literal('TimedOut').optional(),
    /** When ocpp recorded the request (before sending it). */
    requestedAt: Timestamp,
    /** When ocpp recorded this outcome. */
    settledAt: Timestamp,
  })
  .superRefine((e, ctx) => {
    if (e.status === 'Started' && e.transactionId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['transactionId'], message: 'a Started remote start names its transaction' });
    }
    if (e.status !== 'Started' && e.transactionId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['transactionId'], message: 'only a Started remote start names a transaction' });
    }
    if (e.status !== 'Started' && e.previousStatus !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['previousStatus'], message: 'only a Started remote start revises an earlier outcome' });
    }
  }, whenFieldsValid);
export type OcppRemoteStartSettled = z.infer<typeof OcppRemoteStartSettledV1>;

/**
 * What a reservation became. `Accepted`, `Faulted`, `Occupied`, `Rejected`, `Unavailable` are the
 * charger's ReserveNow answer; `Failed` = it cannot hold it (CallError, never sent); `TimedOut` = no
 * answer, it may hold it. After that: `Cancelled` (CancelReservation accepted), `NotHeld`
 * (CancelReservation answered Rejected: the charger held none), `Used` (a StartTransaction used it),
 * and `Faulted`/`Unavailable` again when the station or connector turned so (OCPP 1.6 §5.13: the
 * charger ends its reservations there). `Expired` is never published: the charger ends a
 * reservation at `expiryDate` by its own clock and tells nobody, and ocpp computes it on read; a
 * reservation whose latest event is `Accepted` or `TimedOut` has expired once `expiryDate` passed.
 */
export const OcppReservationStatus = z.enum(['Accepted', 'Faulted', 'Occupied', 'Rejected', 'Unavailable', 'Failed', 'TimedOut', 'Cancelled', 'NotHeld', 'Used']);
export type OcppReservationStatus = z.infer<typeof OcppReservationStatus>;

/**
 * `ocpp.reservation.updated`: a reservation requested with ReserveNow changed status. The terms are
 * those of the reservation the status is about: a ReserveNow reusing the id of a held reservation
 * replaces it only when `Accepted` (or `TimedOut`); refused, its event carries its own terms and the
 * held reservation stays as its latest event says.
 */
export const OcppReservationUpdatedV1 = z
  .strictObject({
    stationId: StationId,
    reservationId: z.number().int(),
    /** `0` = any connector of the station. */
    connectorId: ConnectorId,
    idTag: NonEmptyString,
    parentIdTag: NonEmptyString.optional(),
    expiryDate: Timestamp,
    status: OcppReservationStatus,
    /** The transaction that used it: present exactly when `status` is `Used`. */
    transactionId: TransactionId.optional(),
    /** When ocpp recorded the change. */
    updatedAt: Timestamp,
  })
  .superRefine((e, ctx) => {
    if (e.status === 'Used' && e.transactionId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['transactionId'], message: 'a Used reservation names the transaction that used it' });
    }
    if (e.status !== 'Used' && e.transactionId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['transactionId'], message: 'only a Used reservation names a transaction' });
    }
  }, whenFieldsValid);
export type OcppReservationUpdated = z.infer<typeof OcppReservationUpdatedV1>;

/** OCPP 1.6 `FirmwareStatus` and the security extension's `FirmwareStatusEnumType` (SignedFirmwareStatusNotification). */
export const OcppFirmwareStatusValue = z.enum([
  'Downloaded',
  'DownloadFailed',
  'Downloading',
  'Idle',
  'InstallationFailed',
  'Installing',
  'Installed',
  'DownloadScheduled',
  'DownloadPaused',
  'InstallRebooting',
  'InstallScheduled',
  'InstallVerificationFailed',
  'InvalidSignature',
  'SignatureVerified',
]);
export type OcppFirmwareStatusValue = z.infer<typeof OcppFirmwareStatusValue>;

/**
 * `ocpp.firmware.status`: a FirmwareStatusNotification or SignedFirmwareStatusNotification, or an
 * `Installed` ocpp inferred from a boot with a new firmwareVersion (`inferredFromBoot`: many
 * chargers report Installing, reboot and only boot). Published as the charger reported it, also
 * when the station view keeps the outcome before it (an `Idle` after `Installed`).
 */
export const OcppFirmwareStatusV1 = z
  .strictObject({
    stationId: StationId,
    status: OcppFirmwareStatusValue,
    /** The requestId a SignedFirmwareStatusNotification named. */
    requestId: z.number().int().optional(),
    /**
     * When the firmware request this status belongs to was sent (`firmwareRequest.requestedAt` in the
     * station view): the station's current UpdateFirmware when the status came after it (1.6 statuses
     * carry no request id), or its SignedUpdateFirmware when `requestId` names it. Absent when no
     * request of ours is known for it (an update started elsewhere, an `Idle` answering a trigger).
     */
    requestedAt: Timestamp.optional(),
    /** `true` only on an `Installed` inferred from a boot; absent otherwise. */
    inferredFromBoot: z.literal(true).optional(),
    /** When ocpp received it (the notification carries no time). */
    statusAt: Timestamp,
  })
  .superRefine((e, ctx) => {
    if (e.inferredFromBoot && e.status !== 'Installed') {
      ctx.addIssue({ code: 'custom', path: ['inferredFromBoot'], message: 'only Installed is inferred from a boot' });
    }
  }, whenFieldsValid);
export type OcppFirmwareStatus = z.infer<typeof OcppFirmwareStatusV1>;

/** `ocpp.diagnostics.status`: a DiagnosticsStatusNotification (OCPP 1.6 `DiagnosticsStatus`). */
export const OcppDiagnosticsStatusV1 = z.strictObject({
  stationId: StationId,
  status: z.enum(['Idle', 'Uploaded', 'UploadFailed', 'Uploading']),
  /** When the station's current GetDiagnostics was sent, when the status came after it (absent: none known). */
  requestedAt: Timestamp.optional(),
  /** When ocpp received it (the notification carries no time). */
  statusAt: Timestamp,
});
export type OcppDiagnosticsStatus = z.infer<typeof OcppDiagnosticsStatusV1>;
