import { PublishRefusedError } from '../outbox/publish-failure.js';
import { isConsumerMissing, isMissingConsumerStatus, isStreamMissing, isUnansweredPublish } from './missing-resource.js';

const apiError = (name: string, status: number, code: number, message: string) => Object.assign(new Error(message), { name, status, code });

describe('isStreamMissing', () => {
  it('recognises a publish no stream stored: the pipelined 503, js.publish\'s JetStreamNotEnabled, the API\'s 10059', () => {
    expect(isStreamMissing(new PublishRefusedError('no stream stores this subject (503 no responders)', 503))).toBe(true);
    expect(isStreamMissing(Object.assign(new Error('jetstream is not enabled'), { name: 'JetStreamNotEnabled' }))).toBe(true);
    expect(isStreamMissing(apiError('StreamNotFoundError', 404, 10059, 'stream not found'))).toBe(true);
    expect(isStreamMissing(apiError('JetStreamApiError', 404, 10059, 'stream not found'))).toBe(true);
    expect(isStreamMissing(new Error('wrapped', { cause: new PublishRefusedError('no stream stores this subject (503 no responders)', 503) }))).toBe(true);
  });

  it('leaves refusals that re-creating streams cannot cure: storage full, no quorum, a bad message, no answer', () => {
    expect(isStreamMissing(new PublishRefusedError('JetStream refused the message: insufficient resources (503/10023)', 503, 10023))).toBe(false);
    expect(isStreamMissing(new PublishRefusedError('resource limits exceeded for account', 400, 10002))).toBe(false);
    expect(isStreamMissing(apiError('JetStreamApiError', 400, 10054, 'message size exceeds maximum allowed'))).toBe(false);
    expect(isStreamMissing(apiError('ConsumerNotFoundError', 404, 10014, 'consumer not found'))).toBe(false);
    expect(isStreamMissing(new Error('no PubAck within 5000 ms'))).toBe(false);
    expect(isStreamMissing(undefined)).toBe(false);
  });
});

describe('isConsumerMissing', () => {
  it('is true when the durable or its whole stream is gone, false for anything else', () => {
    expect(isConsumerMissing(apiError('ConsumerNotFoundError', 404, 10014, 'consumer not found'))).toBe(true);
    expect(isConsumerMissing(apiError('JetStreamApiError', 404, 10014, 'consumer not found'))).toBe(true);
    expect(isConsumerMissing(apiError('StreamNotFoundError', 404, 10059, 'stream not found'))).toBe(true);
    expect(isConsumerMissing(new Error('TIMEOUT'))).toBe(false);
    expect(isConsumerMissing(new Error('connection closed'))).toBe(false);
  });
});

describe('isMissingConsumerStatus', () => {
  it('re-creates on a deleted / not-found durable or stream, not on the pull loop\'s routine notifications', () => {
    for (const type of ['consumer_deleted', 'consumer_not_found', 'stream_not_found']) expect(isMissingConsumerStatus({ type })).toBe(true);
    for (const type of ['heartbeats_missed', 'next', 'heartbeat', 'exceeded_limits', 'discard', 'debug']) expect(isMissingConsumerStatus({ type })).toBe(false);
  });
});

describe('isUnansweredPublish', () => {
  it('is true for a publish without PubAck (also what a missing stream gets when a core subscriber listens on the subject)', () => {
    expect(isUnansweredPublish(new Error('no PubAck within 5000 ms'))).toBe(true);
    expect(isUnansweredPublish(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))).toBe(true);
    expect(isUnansweredPublish(new PublishRefusedError('no stream stores this subject (503 no responders)', 503))).toBe(false);
    expect(isUnansweredPublish(new Error('publisher closed'))).toBe(false);
  });
});
