import { MessageType, parseFrame, serializeCall, serializeCallError, serializeCallResult, type ParsedFrame } from './frames.js';

const id = 'a1b2c3';
const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';

function invalid(parsed: ParsedFrame) {
  if (parsed.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(parsed)}`);
  return parsed;
}

describe('parseFrame', () => {
  it('parses the three frame types', () => {
    expect(parseFrame(`[2,"${id}","Heartbeat",{}]`)).toEqual({
      kind: 'frame',
      frame: { type: MessageType.Call, uniqueId: id, action: 'Heartbeat', payload: {} },
    });
    expect(parseFrame(`[3,"${id}",{"currentTime":"2025-01-01T00:00:00Z"}]`)).toEqual({
      kind: 'frame',
      frame: { type: 3, uniqueId: id, payload: { currentTime: '2025-01-01T00:00:00Z' } },
    });
    expect(parseFrame(`[4,"${id}","NotImplemented","",{}]`)).toEqual({
      kind: 'frame',
      frame: { type: 4, uniqueId: id, code: 'NotImplemented', description: '', details: {} },
    });
  });

  it('accepts a 36-character id (UUID)', () => {
    expect(parseFrame(`[2,"${uuid}","Heartbeat",{}]`).kind).toBe('frame');
  });

  it('ignores unknown message type numbers (spec)', () => {
    expect(parseFrame(`[5,"${id}","Heartbeat",{}]`)).toEqual({ kind: 'ignore', reason: 'unknown message type 5' });
    expect(parseFrame(`[6,"${id}"]`).kind).toBe('ignore');
  });

  it.each([
    ['bad JSON without a readable id', '[2, oops', undefined],
    ['not an array', '{"a":1}', undefined],
    ['a JSON string', '"hello"', undefined],
    ['an empty array', '[]', undefined],
    ['message type as a string', `["2","${id}","Heartbeat",{}]`, id],
    ['message type not an integer', `[2.5,"${id}","Heartbeat",{}]`, id],
    ['fractional id', '[2,1.5,"Heartbeat",{}]', undefined],
    ['missing id', '[2]', undefined],
    ['empty id', '[2,"","Heartbeat",{}]', ''],
    ['id longer than 128 chars', `[2,"${'x'.repeat(129)}","Heartbeat",{}]`, 'x'.repeat(129)],
    ['CALL with too many elements', `[2,"${id}","Heartbeat",{},{}]`, id],
    ['CALL without action', `[2,"${id}"]`, id],
    ['action not a string', `[2,"${id}",7,{}]`, id],
    ['empty action', `[2,"${id}","",{}]`, id],
    ['CALL payload an array', `[2,"${id}","Heartbeat",[]]`, id],
    ['CALL payload a string', `[2,"${id}","Heartbeat","{}"]`, id],
    ['CALLRESULT payload null', `[3,"${id}",null]`, id],
    ['CALLRESULT with wrong arity', `[3,"${id}",{},{}]`, id],
    ['CALLERROR without description', `[4,"${id}","GenericError"]`, id],
    ['CALLERROR code not a string', `[4,"${id}",1,"",{}]`, id],
    ['CALLERROR empty code', `[4,"${id}","","",{}]`, id],
    ['CALLERROR description not a string', `[4,"${id}","GenericError",7,{}]`, id],
  ])('%s → FormationViolation', (_case, text, uniqueId) => {
    const parsed = invalid(parseFrame(text));
    expect(parsed.code).toBe('FormationViolation');
    expect(parsed.uniqueId).toBe(uniqueId);
    expect(parsed.description).not.toBe('');
  });

  it('reads the id from broken JSON when the prefix is intact, so a CALLERROR can be sent', () => {
    const parsed = invalid(parseFrame(`[2, "${id}", "Heartbeat", {"a": }]`));
    expect(parsed).toMatchObject({ uniqueId: id, messageType: 2, code: 'FormationViolation' });
    expect(parsed.description).toMatch(/^invalid JSON/);
  });

  it('reads an id over 128 characters from broken JSON too, as a frame that parses gives it (echoed in the CALLERROR)', () => {
    const long = `${uuid}-and-more`.repeat(4);
    expect(invalid(parseFrame(`[2,"${long}","Heartbeat",{`))).toMatchObject({ uniqueId: long, messageType: 2, code: 'FormationViolation' });
    expect(invalid(parseFrame(`[2,"${long}","Heartbeat",{}]`))).toMatchObject({ uniqueId: long, messageType: 2, code: 'FormationViolation' });
  });

  it('reports a CALL without payload as FormationViolation (arity) but a null payload as ProtocolError', () => {
    expect(invalid(parseFrame(`[2,"${id}","Heartbeat"]`))).toMatchObject({ code: 'FormationViolation', uniqueId: id, messageType: 2 });
    expect(invalid(parseFrame(`[2,"${id}","Heartbeat",null]`))).toMatchObject({ code: 'ProtocolError', uniqueId: id });
  });

  it('tells a broken CALLRESULT apart from a broken CALL (never answer a result with an error)', () => {
    expect(invalid(parseFrame(`[3,"${id}",[]]`)).messageType).toBe(3);
    expect(invalid(parseFrame('{}')).messageType).toBeUndefined();
  });
});

describe('serializers', () => {
  it('round-trip through parseFrame', () => {
    const payload = { connectorId: 1, idTag: 'ABC', meterStart: 0, timestamp: '2025-01-01T00:00:00Z' };
    expect(parseFrame(serializeCall(id, 'StartTransaction', payload))).toEqual({
      kind: 'frame',
      frame: { type: 2, uniqueId: id, action: 'StartTransaction', payload },
    });
    expect(parseFrame(serializeCallResult(id, { transactionId: 7 }))).toEqual({
      kind: 'frame',
      frame: { type: 3, uniqueId: id, payload: { transactionId: 7 } },
    });
    expect(parseFrame(serializeCallError(id, 'FormationViolation', 'bad', { at: '/x' }))).toEqual({
      kind: 'frame',
      frame: { type: 4, uniqueId: id, code: 'FormationViolation', description: 'bad', details: { at: '/x' } },
    });
  });

  it('writes exact wire frames, with "" and {} defaults for CALLERROR', () => {
    expect(serializeCall(id, 'Heartbeat', {})).toBe(`[2,"${id}","Heartbeat",{}]`);
    expect(serializeCallResult(id, {})).toBe(`[3,"${id}",{}]`);
    expect(serializeCallError(id, 'NotImplemented')).toBe(`[4,"${id}","NotImplemented","",{}]`);
  });

  it('refuses frames the peer would reject', () => {
    expect(() => serializeCall('', 'Heartbeat', {})).toThrow(RangeError);
    expect(() => serializeCall(`${uuid}x`, 'Heartbeat', {})).toThrow(RangeError);
    expect(() => serializeCall(id, '', {})).toThrow(RangeError);
    expect(() => serializeCall(id, 'Heartbeat', [] as object)).toThrow(TypeError);
    expect(() => serializeCallResult(id, null as unknown as object)).toThrow(TypeError);
    expect(() => serializeCallError(id, 'GenericError', '', [] as object)).toThrow(TypeError);
  });

  it('can answer a CALLERROR to a frame whose id was too long', () => {
    expect(serializeCallError(`${uuid}x`, 'FormationViolation')).toContain(`${uuid}x`);
  });
});
