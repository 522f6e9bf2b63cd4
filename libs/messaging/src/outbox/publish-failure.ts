/**
 * Why a JetStream publish of one outbox event failed, which decides what the relay does with it:
 * - `permanent`: the message itself can never be stored (larger than the server's max_payload, or
 *   JetStream refused it as invalid, e.g. larger than the stream's max_msg_size). Sending it again
 *   cannot help, so the relay parks it (see PARKED_PREFIX) instead of retrying it forever.
 * - `refused`: the server answered but did not store it for a reason that may pass (no stream for
 *   the subject yet, storage or account limits, a cluster without quorum). Retried, with back-off
 *   per row so that such rows cannot hold up the rows behind them.
 * - `unavailable`: no answer at all (timeout, connection closed): NATS itself is likely down, so
 *   the whole relay backs off.
 */
export type PublishFailureKind = 'permanent' | 'refused' | 'unavailable';

/** JetStream answered a publish with an error (or a 503 status): it did not store the message. */
export class PublishRefusedError extends Error {
  constructor(
    message: string,
    /** The HTTP-like status of the reply (400, 503, ...). */
    readonly status: number | undefined,
    /** JetStream's own error code (`err_code`, e.g. 10054), when the reply had one. */
    readonly errCode?: number,
  ) {
    super(message);
    this.name = 'PublishRefusedError';
  }
}

/**
 * 400 replies that are not about the message: the account's JetStream storage is full (10002,
 * "resource limits exceeded for account", the PubAck of a publish that would cross max_file or
 * max_mem). It frees up when messages expire or limits are raised; parked, every event written
 * while it lasted would stay unpublished for good. 10027 (the account's maximum number of streams)
 * is kept for the same reason. Every other 400 is about the message and permanent.
 */
const TRANSIENT_BAD_REQUEST = new Set([10002, 10027]);

/** What nats-core's publish throws when a message exceeds the server's max_payload (synchronously). */
const TOO_LARGE = /max_payload|maximum payload/i;

export function classifyPublishFailure(err: unknown): PublishFailureKind {
  if (err instanceof PublishRefusedError) {
    if (err.status === 400 && !TRANSIENT_BAD_REQUEST.has(err.errCode ?? 0)) return 'permanent';
    return 'refused';
  }
  if (err instanceof Error && TOO_LARGE.test(err.message)) return 'permanent';
  // The non-pipelined publisher (`js.publish`) reports JetStream replies as JetStreamApiError.
  const api = err as { name?: string; code?: unknown; status?: unknown } | undefined;
  if (api?.name === 'JetStreamApiError') {
    if (api.status === 400 && !TRANSIENT_BAD_REQUEST.has(Number(api.code))) return 'permanent';
    return 'refused';
  }
  return 'unavailable';
}

/**
 * `last_error` of a parked outbox row starts with this. The relay skips such rows; they stay in
 * the database for operators (`outbox_events` lists the parked events with their error). To try
 * one again after fixing the cause (e.g. a larger max_payload): `UPDATE ... SET last_error = NULL`.
 */
export const PARKED_PREFIX = 'parked: ';

/** SQL condition (for `outbox` and `outbox_batch`) that leaves parked rows out. */
export const NOT_PARKED = `(last_error IS NULL OR last_error NOT LIKE '${PARKED_PREFIX}%')`;
