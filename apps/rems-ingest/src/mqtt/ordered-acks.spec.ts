import { OrderedAcks } from './ordered-acks.js';

describe('OrderedAcks', () => {
  it('acknowledges only settled messages, in arrival order', () => {
    const sent: number[] = [];
    const acks = new OrderedAcks((id) => sent.push(id));
    const [a, b, c] = [1, 2, 3].map((id) => acks.track(id));
    c();
    b();
    expect(sent).toEqual([]);
    expect(acks.pending).toBe(3);
    a();
    expect(sent).toEqual([1, 2, 3]);
    expect(acks.pending).toBe(0);
    a();
    expect(sent).toEqual([1, 2, 3]);
  });

  it('never acknowledges on a new connection what arrived on a lost one', () => {
    const sent: number[] = [];
    const acks = new OrderedAcks((id) => sent.push(id));
    const old = acks.track(7);
    acks.reset();
    const fresh = acks.track(7);
    old();
    expect(sent).toEqual([]);
    fresh();
    expect(sent).toEqual([7]);
  });

  it('keeps order across compactions', () => {
    const sent: number[] = [];
    const acks = new OrderedAcks((id) => sent.push(id));
    const settles = Array.from({ length: 5000 }, (_, i) => acks.track(i % 65535));
    for (let i = settles.length - 1; i >= 2500; i--) settles[i]();
    for (let i = 0; i < 2500; i++) settles[i]();
    expect(sent).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    const next = acks.track(42);
    next();
    expect(sent.at(-1)).toBe(42);
  });
});
