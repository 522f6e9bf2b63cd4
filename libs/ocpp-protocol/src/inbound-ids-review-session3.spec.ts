import { parseFrame, serializeCallResult } from './frames.js';
import { InboundIds } from './inbound-ids.js';

/** Review session 3: holes in the id rules of 429eae9 (BOM frames, retransmissions after a boot). */
describe('InboundIds: review session 3', () => {
  const BOM = '\uFEFF';
  const meterValues = (wh: number) => `${BOM}[2,"7","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-12-07T08:00:00Z","sampledValue":[{"value":"${wh}"}]}]}]`;

  // parseFrame strips a BOM since 429eae9, but the session hands the raw text (BOM included) to
  // begin(): when an answered id came back with another digest, sameMessage JSON.parsed the raw
  // texts and threw, so the CALL was answered InternalError (and the stored answer overwritten).
  it('an id coming back with another message from a charger writing a BOM is judged, not thrown on', () => {
    const first = meterValues(1000);
    const second = meterValues(1100);
    expect(parseFrame(first).kind).toBe('frame');
    expect(parseFrame(second).kind).toBe('frame');
    const ids = new InboundIds();
    ids.connected();
    expect(ids.begin('7', 'fp-a', first)).toEqual({ kind: 'new' });
    ids.answered('7', serializeCallResult('7', {}));
    ids.connected(); // the counter restarted on a new connection: a new message
    expect(ids.begin('7', 'fp-b', second)).toEqual({ kind: 'new' });
  });

  it('a re-serialised retransmission with a BOM is answered from the store', () => {
    const ids = new InboundIds();
    ids.connected();
    ids.begin('7', 'fp-a', meterValues(1000));
    ids.answered('7', serializeCallResult('7', {}));
    const reserialised = meterValues(1000).replace('"connectorId":1', '"connectorId": 1');
    expect(ids.begin('7', 'fp-b', reserialised)).toEqual({ kind: 'answered', frame: '[3,"7",{}]' });
  });

  // Guide §1.4: same id + same payload, already answered → the stored answer, the handler not re-run.
  // A charger whose answer was lost as it lost power reboots, boots, and resends its queued
  // MeterValues under the same id, byte for byte: forgetAnswered made it a new message, stored twice
  // (meter_readings has no unique key: a second row and a second OcppMeterValues event).
  it('a byte-identical retransmission after a BootNotification is answered from the store, not re-run', () => {
    const ids = new InboundIds();
    ids.connected();
    ids.begin('41', 'fp-mv', meterValues(1000));
    ids.answered('41', serializeCallResult('41', {}));
    ids.connected();
    expect(ids.begin('1', 'fp-boot', undefined, 'restart')).toEqual({ kind: 'new' });
    ids.answered('1', serializeCallResult('1', { status: 'Accepted' }));
    expect(ids.begin('41', 'fp-mv', meterValues(1000))).toEqual({ kind: 'answered', frame: '[3,"41",{}]' });
  });
});
