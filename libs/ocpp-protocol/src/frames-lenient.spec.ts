import { parseFrame, serializeCallError, serializeCallResult, wireId } from './frames.js';

/** Frames real chargers send that OCPP-J does not quite allow, and that must not cost a message. */
describe('parseFrame: field deviations', () => {
  it('strips a leading byte-order mark', () => {
    expect(parseFrame('\uFEFF[2,"b1","Heartbeat",{}]')).toEqual({ kind: 'frame', frame: { type: 2, uniqueId: 'b1', action: 'Heartbeat', payload: {} } });
  });

  it('accepts a numeric message id as its string form, marked so the answer echoes a number', () => {
    expect(parseFrame('[2,77,"Heartbeat",{}]')).toEqual({ kind: 'frame', frame: { type: 2, uniqueId: '77', numericId: true, action: 'Heartbeat', payload: {} } });
    expect(parseFrame('[2,77,"Heartbeat"]')).toMatchObject({ kind: 'invalid', uniqueId: '77', numericId: true, code: 'FormationViolation' });
    expect(parseFrame('[3,12,{}]')).toEqual({ kind: 'frame', frame: { type: 3, uniqueId: '12', payload: {} } });
    expect(serializeCallResult(wireId('77', true), {})).toBe('[3,77,{}]');
    expect(serializeCallError(wireId('77', true), 'FormationViolation')).toBe('[4,77,"FormationViolation","",{}]');
    // Not an id: a fraction, a negative number, anything else.
    for (const id of ['7.5', '-1', 'null', 'true', '{}']) expect(parseFrame(`[2,${id},"Heartbeat",{}]`)).toMatchObject({ kind: 'invalid', code: 'FormationViolation' });
  });

  it('accepts ids longer than 36 characters (a braced GUID), up to 128, and answers them', () => {
    const guid = '{0f8fad5b-d9cb-469f-a165-70867728950e}';
    expect(parseFrame(`[2,"${guid}","StartTransaction",{}]`)).toMatchObject({ kind: 'frame', frame: { uniqueId: guid } });
    expect(serializeCallResult(guid, {})).toBe(`[3,"${guid}",{}]`);
    expect(parseFrame(`[2,"${'x'.repeat(128)}","Heartbeat",{}]`).kind).toBe('frame');
    expect(parseFrame(`[2,"${'x'.repeat(129)}","Heartbeat",{}]`)).toMatchObject({ kind: 'invalid', code: 'FormationViolation', description: expect.stringContaining('1..128') });
  });

  it.each([
    ['details missing', '[4,"e1","NotSupported","x"]', 'x'],
    ['details null', '[4,"e1","NotSupported","x",null]', 'x'],
    ['details ""', '[4,"e1","NotSupported","x",""]', 'x'],
    ['description null', '[4,"e1","NotSupported",null,{}]', ''],
  ])('keeps the code and description of a CALLERROR with %s', (_case, text, description) => {
    expect(parseFrame(text)).toEqual({ kind: 'frame', frame: { type: 4, uniqueId: 'e1', code: 'NotSupported', description, details: {} } });
  });

  it('still refuses a CALLERROR without its code', () => {
    expect(parseFrame('[4,"e1"]')).toMatchObject({ kind: 'invalid', code: 'FormationViolation' });
    expect(parseFrame('[4,"e1",""]')).toMatchObject({ kind: 'invalid', code: 'FormationViolation' });
  });
});
