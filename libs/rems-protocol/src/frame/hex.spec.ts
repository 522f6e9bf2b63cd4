import { parseHexFrame } from './hex.js';

describe('parseHexFrame', () => {
  it('accepts either case and ignores whitespace, normalising to lower case', () => {
    const parsed = parseHexFrame(' 14 01 0A\nFf ');
    expect(parsed).toEqual({ ok: true, bytes: Buffer.from([0x14, 0x01, 0x0a, 0xff]), hex: '14010aff' });
    expect(parseHexFrame('14010aff')).toEqual(parsed); // the already-normalised fast path agrees
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['14010', 'odd_length'],
    ['zz', 'non_hex'],
    ['0x14', 'non_hex'],
    [42, 'non_hex'],
    [null, 'non_hex'],
  ])('%j → %s', (input, problem) => {
    expect(parseHexFrame(input)).toEqual({ ok: false, problem });
  });
});
