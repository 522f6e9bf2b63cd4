import { Headers, parseSchemaVersionHeader } from './headers.js';

describe('Headers', () => {
  it('uses the JetStream de-duplication header for the message id', () => {
    expect(Headers.MsgId).toBe('Nats-Msg-Id');
  });

  it('has distinct header names', () => {
    const names = Object.values(Headers);
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(names.length);
  });
});

describe('parseSchemaVersionHeader', () => {
  it.each([
    ['1', 1],
    [' 2 ', 2],
    ['0', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['v1', undefined],
    ['', undefined],
    [undefined, undefined],
    [null, undefined],
  ])('parses %j as %j', (value, expected) => {
    expect(parseSchemaVersionHeader(value)).toBe(expected);
  });
});
