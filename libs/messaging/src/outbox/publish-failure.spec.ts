import { classifyPublishFailure, PublishRefusedError } from './publish-failure.js';

describe('classifyPublishFailure', () => {
  it('retries a publish refused because the account ran out of JetStream storage (400/10002): it frees up, the event must not be parked', () => {
    // The PubAck nats-server sends when a publish would cross the account's max_file / max_mem.
    expect(classifyPublishFailure(new PublishRefusedError('JetStream refused the message: resource limits exceeded for account (400/10002)', 400, 10002))).toBe('refused');
    expect(classifyPublishFailure(Object.assign(new Error('resource limits exceeded for account'), { name: 'JetStreamApiError', status: 400, code: 10002 }))).toBe('refused');
  });

  it('parks a message JetStream can never store (larger than the stream allows, 400/10054)', () => {
    expect(classifyPublishFailure(new PublishRefusedError('message size exceeds maximum allowed', 400, 10054))).toBe('permanent');
    expect(classifyPublishFailure(new Error('MAX_PAYLOAD_EXCEEDED: max_payload exceeded'))).toBe('permanent');
  });

  it('retries refusals that may pass (503: no stream yet, no quorum, store failed) and backs off on no answer', () => {
    expect(classifyPublishFailure(new PublishRefusedError('no stream stores this subject (503 no responders)', 503))).toBe('refused');
    expect(classifyPublishFailure(new PublishRefusedError('insufficient resources', 503, 10023))).toBe('refused');
    expect(classifyPublishFailure(new Error('no PubAck within 5000 ms'))).toBe('unavailable');
  });
});
