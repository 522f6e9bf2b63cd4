import { serializeCallResult } from './frames.js';
import { InboundIds, inboundIdRule } from './inbound-ids.js';

/**
 * A station's ids outlive its connection (kept for a reconnect), for 10,000 gone stations at once in
 * a reconnect storm: what a gone connection keeps must be what its next connection uses, nothing more.
 */
describe('InboundIds: a connection that went away', () => {
  const status = (id: string, n: number) => `[2,"${id}","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Charging","info":"${n}"}]`;

  /** 16 answered ids with their texts, and `inFlight` more still being handled. */
  const history = (ids: InboundIds, inFlight = 0, from = 0) => {
    for (let n = from; n < from + 16 + inFlight; n++) {
      ids.begin(`${n}`, `fp-${n}`, status(`${n}`, n));
      if (n < from + 16) ids.answered(`${n}`, serializeCallResult(`${n}`, {}));
    }
  };

  it('keeps only the id answered last and those in flight, with their texts', () => {
    const ids = new InboundIds();
    ids.connected();
    history(ids, 1);
    expect(ids.size).toBe(16);
    ids.away();
    expect(ids.size).toBe(2);
    expect(ids.textChars).toBe(status('15', 15).length + status('16', 16).length);
  });

  it('a CALL in flight when the connection went away is answered later and is the one a next connection may get again', () => {
    const ids = new InboundIds();
    ids.connected();
    history(ids, 1);
    ids.away();
    ids.answered('16', serializeCallResult('16', {}));
    ids.connected();
    const reserialised = status('16', 16).replace('"connectorId":1', '"connectorId": 1');
    expect(ids.begin('16', 'fp-other', reserialised)).toEqual({ kind: 'answered', frame: '[3,"16",{}]' });
    expect(ids.begin('15', 'fp-15', status('15', 15))).toEqual({ kind: 'new' });
  });

  it('answers the next connection exactly as without the compaction', () => {
    const probes: [string, string, string | undefined, string][] = [];
    for (let n = 0; n < 20; n++) {
      probes.push([`${n}`, `fp-${n}`, status(`${n}`, n), 'StatusNotification']);
      probes.push([`${n}`, 'fp-x', status(`${n}`, n).replace('"connectorId":1', '"connectorId": 1'), 'StatusNotification']);
      probes.push([`${n}`, 'fp-y', status(`${n}`, n + 1), 'StatusNotification']);
    }
    probes.push(['17', 'fp-boot', '[2,"17","BootNotification",{}]', 'BootNotification'], ['15', 'fp-15', status('15', 15), 'StatusNotification']);
    const run = (compact: boolean) => {
      const ids = new InboundIds();
      ids.connected();
      history(ids, 2);
      if (compact) ids.away();
      ids.answered('17', serializeCallResult('17', { status: 'Accepted' }));
      ids.connected();
      return probes.map(([id, fp, text, action]) => {
        const seen = ids.begin(id, fp, text, inboundIdRule(action));
        if (seen.kind === 'new') ids.answered(id, serializeCallResult(id, {}));
        return seen;
      });
    };
    expect(run(true)).toEqual(run(false));
  });

  it('works as before once the station is back: 16 ids remembered, texts kept for the latest', () => {
    const ids = new InboundIds();
    ids.connected();
    history(ids);
    ids.away();
    ids.connected();
    history(ids, 0, 100);
    expect(ids.size).toBe(16);
    expect(ids.textChars).toBe([112, 113, 114, 115].reduce((sum, n) => sum + status(`${n}`, n).length, 0));
    expect(ids.begin('100', 'fp-x', status('100', 100).replace('"connectorId":1', '"connectorId": 1')).kind).toBe('busy');
    expect(ids.begin('115', 'fp-x', status('115', 115).replace('"connectorId":1', '"connectorId": 1')).kind).toBe('answered');
    expect(ids.begin('15', 'fp-15', status('15', 15)).kind).toBe('new');
  });
});
