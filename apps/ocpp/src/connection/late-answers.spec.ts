import { lateAnswerLog } from './late-answers.js';

describe('lateAnswerLog', () => {
  it('a late CallError whose effects were applied (our records caught up: the charger did not act) is logged as applied, with its code', () => {
    const log = lateAnswerLog('CP-1', {
      uniqueId: 'u1',
      action: 'ReserveNow',
      lateByMs: 400,
      outcome: { kind: 'error', code: 'InternalError', description: 'boom', details: {} },
      applied: true,
    });
    expect(log.level).toBe('info');
    expect(log.fields).toMatchObject({ stationId: 'CP-1', action: 'ReserveNow', answer: 'error', code: 'InternalError', applied: true });
  });

  it('a late result names no code', () => {
    const log = lateAnswerLog('CP-1', { uniqueId: 'u1', action: 'ReserveNow', lateByMs: 400, outcome: { kind: 'result', payload: { status: 'Accepted' } }, applied: false });
    expect(log.level).toBe('warn');
    expect(log.fields).not.toHaveProperty('code');
  });
});
