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
});
