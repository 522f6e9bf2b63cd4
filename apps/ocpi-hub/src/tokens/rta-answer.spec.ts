import { interpretAnswer } from './rta-answer.js';

const env = (status_code: number, data?: unknown, status_message?: string) => ({ status_code, data, status_message, timestamp: '2024-01-01T00:00:00Z' });

describe('interpretAnswer', () => {
  it('treats HTTP 404, 2004 and a 2.1.1 "unknown" 2000 as unknown', () => {
    expect(interpretAnswer('2.2.1', 404, undefined)).toEqual({ kind: 'unknown' });
    expect(interpretAnswer('2.2.1', 200, env(2004))).toEqual({ kind: 'unknown' });
    expect(interpretAnswer('2.1.1', 200, env(2000, undefined, 'Unknown token'))).toEqual({ kind: 'unknown' });
    expect(interpretAnswer('2.2.1', 200, env(2000, undefined, 'Unknown token'))).toMatchObject({ kind: 'failed' });
  });

  it('reads a valid AuthorizationInfo, including refusals answered with 200', () => {
    expect(interpretAnswer('2.2.1', 200, env(1000, { allowed: 'BLOCKED', token: {} }))).toMatchObject({ kind: 'answer', allowed: 'BLOCKED' });
    expect(interpretAnswer('2.2.1', 200, env(1000, { allowed: 'ALLOWED', authorization_reference: 'ref' }))).toMatchObject({ kind: 'answer', allowed: 'ALLOWED' });
  });

  it('counts server errors and garbage as failures', () => {
    expect(interpretAnswer('2.2.1', 500, env(3000))).toMatchObject({ kind: 'failed' });
    expect(interpretAnswer('2.2.1', 200, env(1000, { allowed: 'MAYBE' }))).toMatchObject({ kind: 'failed' });
  });
});
