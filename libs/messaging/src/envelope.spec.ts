import { Headers } from '@cpo/contracts';
import { encodeHeaders, preEncodedHeaders, toHeaders, type EnvelopeMeta } from './envelope.js';

/** What nats-core calls on the headers of a message it publishes (not in the MsgHdrs type). */
type Encodable = { encode(): Uint8Array };

const meta: EnvelopeMeta = {
  eventId: '0b7f4e0c-3f0e-4a57-9d43-5c0a3c6e1f11',
  schemaVersion: 3,
  source: 'rems-ingest',
  occurredAt: '2026-12-04T10:00:00.123Z',
};

/** What the relay sent before: a MsgHdrs from toHeaders, then Nats-Msg-Id set on it, encoded by nats-core. */
function viaMsgHdrs(m: EnvelopeMeta, msgId: string): string {
  const h = toHeaders(m);
  h.set(Headers.MsgId, msgId);
  return new TextDecoder().decode((h as unknown as Encodable).encode());
}

describe('encodeHeaders', () => {
  it('writes exactly the bytes nats-core writes for toHeaders + Nats-Msg-Id', () => {
    expect(new TextDecoder().decode(encodeHeaders(meta, meta.eventId))).toBe(viaMsgHdrs(meta, meta.eventId));
    const withCorrelation = { ...meta, correlationId: 'req-42' };
    expect(new TextDecoder().decode(encodeHeaders(withCorrelation, meta.eventId))).toBe(viaMsgHdrs(withCorrelation, meta.eventId));
  });

  it('trims values and refuses line breaks, as nats-core does', () => {
    const padded = { ...meta, correlationId: '  spaced  ' };
    expect(new TextDecoder().decode(encodeHeaders(padded, meta.eventId))).toBe(viaMsgHdrs(padded, meta.eventId));
    expect(() => encodeHeaders({ ...meta, correlationId: 'a\r\nInjected: yes' }, meta.eventId)).toThrow(/\\r or \\n/);
    expect(() => toHeaders({ ...meta, correlationId: 'a\r\nInjected: yes' })).toThrow();
  });

  it('is handed to publish as headers whose encode() gives the bytes', () => {
    const bytes = encodeHeaders(meta, meta.eventId);
    expect((preEncodedHeaders(bytes) as unknown as Encodable).encode()).toBe(bytes);
  });
});
