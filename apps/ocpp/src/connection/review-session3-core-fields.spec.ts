import { coreFieldProblem, withoutNullOptionals } from './core-fields.js';

/**
 * Review session 3 of d7aa9c1. Guide §2.1: transaction messages are acknowledged whenever their core
 * fields parse (a StopTransaction's transactionId, meterStop, timestamp); a CallError makes the
 * charger resend, then discard the message. One unreadable sample in transactionData still refuses
 * the whole stop: the session stays open and its energy is never billed.
 */
describe('review session 3: a StopTransaction with one unreadable transactionData sample', () => {
  const stop = (transactionData: unknown) => ({
    transactionId: 42,
    meterStop: 15_000,
    timestamp: '2026-12-07T08:00:00Z',
    transactionData,
  });
  const problem = (p: Record<string, unknown>) => coreFieldProblem('StopTransaction', withoutNullOptionals('StopTransaction', p));

  it('a sample with a null value (signed-data firmware) does not refuse the stop', () => {
    const data = [{ timestamp: '2026-12-07T08:00:00Z', sampledValue: [{ value: '15000' }, { value: null, format: 'SignedData' }] }];
    expect(problem(stop(data))).toBeUndefined();
  });

  it('a reading with an unreadable timestamp does not refuse the stop', () => {
    const data = [{ timestamp: '', sampledValue: [{ value: '15000' }] }];
    expect(problem(stop(data))).toBeUndefined();
  });
});
