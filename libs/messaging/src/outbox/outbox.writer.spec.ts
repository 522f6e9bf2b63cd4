import { sampleEvents, Subjects } from '@cpo/contracts';
import { OutboxWriter } from './outbox.writer.js';

const subject = Subjects.OcppConnectorStatus;
const bad = { ...sampleEvents[subject], connectorId: -1 } as unknown as (typeof sampleEvents)[typeof subject];

describe('OutboxWriter.statement', () => {
  const writer = new OutboxWriter('test');

  it('checks every payload against its contract by default', () => {
    expect(() => writer.statement([{ subject, payload: sampleEvents[subject] }], 1)).not.toThrow();
    expect(() => writer.statement([{ subject, payload: bad }], 1)).toThrow(/outbox event .* is invalid/);
  });

  it('leaves the check to consumers only when the producer says so (validate: false)', () => {
    const s = writer.statement([{ subject, payload: bad }], 3, { validate: false });
    expect(s.ids).toHaveLength(1);
    expect(JSON.parse(s.params[0] as string)[0].payload).toEqual(bad);
    expect(s.cte).toContain('$3::json');
  });

  it('hands the fast path the rows as inserted, except when the statement may drop some (keepOrdinals)', () => {
    const s = writer.statement([{ subject, payload: sampleEvents[subject], eventId: '00000000-0000-4000-8000-000000000001' }], 1);
    expect(s.events).toEqual([expect.objectContaining({ id: s.ids[0], subject, source: 'test', payload: sampleEvents[subject] })]);
    expect(JSON.parse(s.params[0] as string)[0].occurred_at).toBe(s.events?.[0].occurred_at);
    expect(writer.statement([{ subject, payload: sampleEvents[subject] }], 1, { keepOrdinals: 'SELECT 1' }).events).toBeUndefined();
  });

  it('leaves out the NOTIFY (and its database-wide lock) for events the fast path publishes (notify: false)', () => {
    expect(writer.statement([{ subject, payload: sampleEvents[subject] }], 1).notify).toContain('pg_notify');
    expect(writer.statement([{ subject, payload: sampleEvents[subject] }], 1, { notify: false }).notify).toBe('SELECT 1');
  });

  it('serialises each payload once: the parameter holds it as the fast path will publish it, any text escaped', () => {
    const payload = { ...sampleEvents[subject], info: 'quote " backslash \\ lone \ud800 surrogate' };
    const s = writer.statement([{ subject, payload, correlationId: 'c"1' }, { subject, payload: sampleEvents[subject] }], 1, { validate: false });
    const rows = JSON.parse(s.params[0] as string) as Record<string, unknown>[];
    expect(rows.map((r) => r.ord)).toEqual([1, 2]);
    expect(rows[0]).toEqual({ id: s.ids[0], subject, schema_version: 1, payload: { ...payload, info: 'quote " backslash \\ lone \ufffd surrogate' }, correlation_id: 'c"1', occurred_at: s.events![0].occurred_at, ord: 1 });
    expect(rows[1].correlation_id).toBeNull();
    expect(JSON.parse(s.events![0].payloadJson!)).toEqual(rows[0].payload);
    expect(s.events![1].payloadJson).toBe(JSON.stringify(sampleEvents[subject]));
  });

  it('packs the events into one outbox_batch row when asked (packed), returning its seq and the kept positions', () => {
    const s = writer.statement([{ subject, payload: sampleEvents[subject] }, { subject, payload: sampleEvents[subject] }], 4, { packed: true, name: 'p_out' });
    expect(s.packed).toBe(true);
    expect(s.name).toBe('p_out');
    expect(s.cte).toBe(`p_out AS (INSERT INTO outbox_batch (events, source) VALUES ($4::text, $5::text) RETURNING seq, keep)`);
    expect(s.events).toBeUndefined(); // the row's seq comes from the statement's result
    expect(JSON.parse(s.params[0] as string).map((e: { id: string; ord: number }) => [e.id, e.ord])).toEqual([
      [s.ids[0], 1],
      [s.ids[1], 2],
    ]);
    const kept = writer.statement([{ subject, payload: sampleEvents[subject] }], 1, { packed: true, keepOrdinals: 'SELECT ord FROM fresh' });
    expect(kept.cte).toContain('FROM (SELECT array_agg(o.ord ORDER BY o.ord) AS keep FROM (SELECT ord FROM fresh) AS o(ord)) k');
    expect(kept.cte).toContain('WHERE k.keep IS NOT NULL');
  });
});

describe('OutboxWriter.enqueue', () => {
  const writer = new OutboxWriter('test');
  /** The EntityManager of an open transaction, as far as the writer uses it. */
  const tx = () => {
    const queries: unknown[][] = [];
    const manager = { queryRunner: { isTransactionActive: true }, query: async (...args: unknown[]) => void queries.push(args) };
    return { manager: manager as unknown as Parameters<OutboxWriter['enqueue']>[0], queries };
  };

  it('checks the payload unless the caller has checked it itself (validate: false)', async () => {
    const strict = tx();
    await expect(writer.enqueue(strict.manager, subject, bad)).rejects.toThrow(/outbox event .* is invalid/);
    expect(strict.queries).toEqual([]);
    const trusted = tx();
    const id = await writer.enqueue(trusted.manager, subject, bad, { validate: false, correlationId: 'c-1' });
    const [row] = JSON.parse((trusted.queries[0]![1] as string[])[0]!) as Record<string, unknown>[];
    expect(row).toMatchObject({ id, payload: bad, correlation_id: 'c-1' });
  });
});
