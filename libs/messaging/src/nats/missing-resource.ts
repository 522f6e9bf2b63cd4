import { PublishRefusedError } from '../outbox/publish-failure.js';

/** JetStream's `err_code`s for a stream / consumer that does not exist. */
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

/**
 * Whether a publish (or a JetStream API call) failed because no stream stores the subject, as after
 * NATS came back without its JetStream storage. The publish then gets a 503 "no responders" (the
 * pipelined publisher's PublishRefusedError, or `js.publish`'s JetStreamNotEnabled, which is how
 * @nats-io/jetstream 3 words a 503 to a publish); the API answers 404/10059 "stream not found".
 * Other refusals (storage full, no quorum, bad message) are not: re-creating streams cannot help.
 */
export function isStreamMissing(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  if (err instanceof PublishRefusedError) return err.status === 503 && err.errCode === undefined;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (e.name === 'JetStreamNotEnabled') return true;
  if (e.name === 'StreamNotFoundError' || (isApiError(e) && e.code === STREAM_NOT_FOUND)) return true;
  if (typeof e.message === 'string' && /^stream not found$/i.test(e.message)) return true;
  return isStreamMissing(e.cause, depth + 1);
}

/**
 * Whether a publish got no answer at all. Also what a publish to a subject no stream stores gets
 * when anything else subscribes to it (a core-NATS tap, a mirror of events): the server then has
 * someone to deliver to and sends no 503, so only asking JetStream tells the two apart.
 */
export function isUnansweredPublish(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  return e.name === 'TimeoutError' || e.code === 'TIMEOUT' || (typeof e.message === 'string' && /^no PubAck within/.test(e.message));
}

/** Whether a consumer API call failed because the durable consumer (or its whole stream) is gone. */
export function isConsumerMissing(err: unknown): boolean {
  if (isStreamMissing(err)) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  if (e.name === 'ConsumerNotFoundError' || (isApiError(e) && e.code === CONSUMER_NOT_FOUND)) return true;
  return typeof e.message === 'string' && /^consumer not found$/i.test(e.message);
}

/**
 * The statuses a running `consume()` of @nats-io/jetstream 3 reports when its durable consumer
 * is gone: the server's 409 "Consumer Deleted" to the pending pull, or the library's own consumer
 * info (after missed heartbeats or a reconnect) answering 404. The library keeps retrying its info
 * on its own for ever, but never re-creates a durable, so these call for re-creating it.
 */
export function isMissingConsumerStatus(status: { type: string }): boolean {
  return status.type === 'consumer_deleted' || status.type === 'consumer_not_found' || status.type === 'stream_not_found';
}

function isApiError(e: { name?: unknown }): boolean {
  return typeof e.name === 'string' && /^(JetStreamApiError|StreamNotFoundError|ConsumerNotFoundError)$/.test(e.name);
}
