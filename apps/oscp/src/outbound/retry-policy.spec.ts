import { decide } from './retry-policy.js';

describe('outbound retry policy', () => {
  it('treats 2xx as delivered', () => {
    expect(decide({ kind: 'answer', status: 204 }, 1, 5, 100)).toEqual({ result: 'sent' });
  });

  it('retries transient failures with doubling delays until attempts run out', () => {
    expect(decide({ kind: 'no_answer', error: 'timeout' }, 1, 3, 100)).toEqual({ result: 'retry', delayMs: 100 });
    expect(decide({ kind: 'answer', status: 503 }, 2, 3, 100)).toEqual({ result: 'retry', delayMs: 200 });
    expect(decide({ kind: 'answer', status: 429 }, 3, 3, 100)).toEqual({ result: 'failed' });
    expect(decide({ kind: 'answer', status: 500 }, 10, 20, 1000)).toEqual({ result: 'retry', delayMs: 60_000 });
  });

  it('never retries a client error', () => {
    for (const status of [400, 401, 403, 404]) expect(decide({ kind: 'answer', status }, 1, 5, 100)).toEqual({ result: 'failed' });
  });
});
