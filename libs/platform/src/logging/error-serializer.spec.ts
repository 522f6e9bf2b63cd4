import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createRootLogger } from './logger.js';

/** What node-postgres rejects a NOT NULL violation with (fields as pg's DatabaseError has them). */
function pgError(detail: string): Error {
  return Object.assign(new Error('null value in column "status" of relation "id_tags" violates not-null constraint'), {
    severity: 'ERROR',
    code: '23502',
    detail,
    table: 'id_tags',
    column: 'status',
  });
}

function capture(): { lines: string[]; logger: ReturnType<typeof createRootLogger> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createRootLogger({ service: 'err-test', level: 'info' }, sink) };
}

describe('the root logger and failed queries', () => {
  it('never writes the bound parameters or PostgreSQL\'s detail (the row\'s values), but says what failed', () => {
    const { lines, logger } = capture();
    const tag = 'TAG-04A1B2C3';
    const err = new QueryFailedError('INSERT INTO id_tags (id_tag, status) VALUES ($1, $2)', [tag, null], pgError(`Failing row contains (${tag}, null).`));
    logger.error({ err, path: '/api/v1/id-tags/ref:x' }, 'request failed');
    logger.error({ err: new AggregateError([err], 'both failed') }, 'batch failed');
    const text = lines.join('');
    expect(text).not.toContain(tag);
    const line = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ type: 'QueryFailedError', code: '23502', table: 'id_tags', column: 'status', query: expect.stringContaining('$1') });
    expect(line.err).not.toHaveProperty('parameters');
    expect(line.err['driverError']).toMatchObject({ code: '23502' });
  });

  it('keeps the fields of other errors', () => {
    const { lines, logger } = capture();
    logger.warn({ err: Object.assign(new Error('refused'), { detail: 'kept', parameters: 'dropped' }) }, 'x');
    const line = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ message: 'refused', detail: 'kept' });
  });
});
