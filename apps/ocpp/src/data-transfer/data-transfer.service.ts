import { Inject, Injectable } from '@nestjs/common';
import { ocppDataTransferSubject, OcppDataTransferReplyV1, parseRequestPayload, type OcppDataTransferReply, type OcppDataTransferRequest } from '@cpo/contracts';
import { BusRequester, isNoResponders, NATS_CONNECTION } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER, TimeoutError, UnavailableError, ValidationError } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { StationRepository } from '../stations/station.repository.js';

/** One label for every vendor: the subject holds the vendor id, which must not become a metric series each. */
const METRIC_SUBJECT = 'ocpp.data-transfer.*';

/** What a failure to get the vendor's answer is kept as with the message, and counted as. */
type Failure = 'plugin_timeout' | 'plugin_unavailable' | 'plugin_invalid_reply' | 'too_large';

/** NATS's default max_payload: the limit when the server's INFO is not at hand. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Room left in max_payload for the request's headers (source, correlation id), which the server counts in. */
const HEADER_ROOM = 4096;

/**
 * A request the bus would refuse (over the server's max_payload; a frame may be 4 MiB). Never sent:
 * NATS refuses it before looking for a responder, so its error would tell the charger a plug-in
 * failed for a vendor that may have none, and whether one exists cannot be known without sending.
 */
class TooLargeToForward extends UnavailableError {}

/**
 * A charger's DataTransfer, routed by vendor to whichever plug-in serves
 * `ocppDataTransferSubject(vendorId)` on the bus (any process, any language), under
 * OCPP_DATA_TRANSFER_TIMEOUT_MS. No plug-in for the vendor: `UnknownVendorId`, at once (NATS
 * reports no responders without waiting). A plug-in that does not answer in time, or answers
 * outside the contract, gives the charger a CallError rather than a status it did not decide.
 *
 * The message is stored with the answer (or the failure) before the charger is answered, so
 * vendor messages can be inspected and replayed whatever their outcome.
 */
@Injectable()
export class DataTransferService {
  constructor(
    private readonly requester: BusRequester,
    private readonly stations: StationRepository,
    private readonly metrics: OcppMetrics,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async received(stationId: string, req: Ocpp16.DataTransferRequest, receivedAt: Date): Promise<Ocpp16.DataTransferResponse> {
    const request: OcppDataTransferRequest = { stationId, vendorId: req.vendorId, messageId: req.messageId, data: dataText(req.data), receivedAt: receivedAt.toISOString() };
    let answer: OcppDataTransferReply;
    try {
      answer = await this.askPlugin(request);
    } catch (err) {
      const failure = failureOf(err);
      if (!failure) throw err;
      const reason = (err as Error).message;
      this.metrics.dataTransfers.inc({ outcome: failure });
      this.logger.warn(
        { stationId, vendorId: req.vendorId, messageId: req.messageId, reason },
        failure === 'too_large' ? 'DataTransfer too large for the bus; not forwarded, the charger gets a CallError' : 'DataTransfer plug-in failed; the charger gets a CallError',
      );
      await this.store(stationId, req, { failure, reason });
      // The charger's description names no bus subject (the reason does: it stays in the log and the stored message).
      // Not the ValidationError of an invalid reply: that would blame the charger's message (PropertyConstraintViolation).
      const description = this.describe(failure, req.vendorId);
      throw failure === 'plugin_timeout' ? new TimeoutError(description, undefined, { cause: err }) : new UnavailableError(description, undefined, { cause: err });
    }
    if (answer.status === 'UnknownVendorId' && answer.data !== undefined) {
      // OCPP 1.6 §4.3: with UnknownVendorId the data element SHALL NOT be present; the contract cannot say so.
      this.logger.warn({ stationId, vendorId: req.vendorId }, 'DataTransfer plug-in answered UnknownVendorId with data; data dropped');
      answer = { status: answer.status };
    }
    this.metrics.dataTransfers.inc({ outcome: answer.status });
    await this.store(stationId, req, answer);
    return answer;
  }

  private async askPlugin(request: OcppDataTransferRequest): Promise<OcppDataTransferReply> {
    const subject = subjectOf(request.vendorId);
    // No plug-in can serve a vendor id that names no subject (the schema allows an empty one).
    if (subject === undefined) return { status: 'UnknownVendorId' };
    const bytes = Buffer.byteLength(JSON.stringify(request));
    const limit = (this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM;
    if (bytes > limit) throw new TooLargeToForward(`the request is ${bytes} bytes, more than the ${limit} the bus carries`);
    try {
      return await this.requester.request(subject, request, {
        timeoutMs: this.config.OCPP_DATA_TRANSFER_TIMEOUT_MS,
        parseReply: (p) => parseRequestPayload(OcppDataTransferReplyV1, p),
        metricSubject: METRIC_SUBJECT,
      });
    } catch (err) {
      // Nobody serves this vendor: the answer OCPP defines for it, not a failure.
      if (isNoResponders(err)) return { status: 'UnknownVendorId' };
      throw err;
    }
  }

  private describe(failure: Failure, vendorId: string): string {
    switch (failure) {
      case 'too_large':
        return 'the DataTransfer is too large to forward to a vendor plug-in';
      case 'plugin_timeout':
        return `the ${vendorId} DataTransfer plug-in did not answer within ${this.config.OCPP_DATA_TRANSFER_TIMEOUT_MS} ms`;
      case 'plugin_invalid_reply':
        return `the ${vendorId} DataTransfer plug-in failed: invalid reply`;
      case 'plugin_unavailable':
        return `the ${vendorId} DataTransfer plug-in failed: it could not be reached`;
    }
  }

  /** The request as the charger sent it, with what it was answered (`answer`) under a field DataTransfer.req does not have. */
  private store(stationId: string, req: Ocpp16.DataTransferRequest, answer: OcppDataTransferReply | { failure: Failure; reason: string }): Promise<void> {
    return this.stations.storeMessage(this.stations.manager, stationId, 'DataTransfer', { ...req, answer });
  }
}

/**
 * `data` as the bus contract carries it: text. Chargers of several vendors send a JSON object (or
 * number) where OCPP 1.6 has a string; a lenient station's is processed, and handed to the plug-in
 * as its JSON text, which is what the string would have held: as it came, the plug-in refused a
 * request outside the contract and the charger got its Rejected instead of the vendor's answer.
 */
function dataText(data: unknown): string | undefined {
  return data === undefined || data === null || typeof data === 'string' ? (data ?? undefined) : JSON.stringify(data);
}

/** The vendor's subject, or undefined when the id cannot name one (empty, or not well-formed UTF-16). */
function subjectOf(vendorId: string): string | undefined {
  try {
    return ocppDataTransferSubject(vendorId);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

function failureOf(err: unknown): Failure | undefined {
  if (err instanceof TooLargeToForward) return 'too_large';
  if (err instanceof TimeoutError) return 'plugin_timeout';
  if (err instanceof ValidationError) return 'plugin_invalid_reply';
  if (err instanceof UnavailableError) return 'plugin_unavailable';
  return undefined;
}
