import { withoutNul } from './core-fields.js';
import { MAX_PAYLOAD_DEPTH, nestedDeeperThan } from './payload-depth.js';

/** `[[[…]]]` `depth` levels deep, built without recursion. */
function nestedArrays(depth: number): unknown[] {
  const root: unknown[] = [];
  let inner = root;
  for (let i = 1; i < depth; i++) {
    const next: unknown[] = [];
    inner.push(next);
    inner = next;
  }
  return root;
}

describe('nestedDeeperThan', () => {
  it('counts the payload itself as level 1 and looks into objects and arrays', () => {
    expect(nestedDeeperThan({ a: [{ b: [] }] }, 4)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: [] }] }, 3)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: 'x', c: null }, 1)).toBe(false);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });

  it('accepts the deepest OCPP 1.6 payload (MeterValues) and walks 1,000,000 levels without a stack overflow', () => {
    const meterValues = { connectorId: 1, meterValue: [{ timestamp: 't', sampledValue: [{ value: '1' }] }] };
    expect(nestedDeeperThan(meterValues, MAX_PAYLOAD_DEPTH)).toBe(false);
    expect(nestedDeeperThan({ x: nestedArrays(1_000_000) }, MAX_PAYLOAD_DEPTH)).toBe(true);
  });
});

describe('withoutNul', () => {
  it('replaces NUL and lone surrogates in keys and values, at any depth, keeping everything else', () => {
    expect(withoutNul({ 'k\u0000': ['a\u0000b', 1, null, true, { c: '\uD800x' }], __proto__x: 2 })).toEqual({ 'k\uFFFD': ['a\uFFFDb', 1, null, true, { c: '\uFFFDx' }], __proto__x: 2 });
    expect(withoutNul('x\u0000')).toBe('x\uFFFD');
    expect(withoutNul(7)).toBe(7);
  });

  it('keeps a "__proto__" key an ordinary key, as JSON.parse made it', () => {
    const copy = withoutNul(JSON.parse('{"__proto__":{"a":"\\u0000"}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ a: '\uFFFD' });
  });

  it('copies a value nested 100,000 levels deep without a stack overflow', () => {
    let copy: unknown = withoutNul({ x: '\u0000', y: nestedArrays(100_000) });
    expect((copy as { x: string }).x).toBe('\uFFFD');
    let depth = 0;
    for (copy = (copy as { y: unknown }).y; Array.isArray(copy); copy = copy[0]) depth++;
    expect(depth).toBe(100_000);
  });
});
