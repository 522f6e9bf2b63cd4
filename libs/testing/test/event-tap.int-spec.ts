import { randomUUID } from 'node:crypto';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { subscribeEvents, testServers } from '../src/index.js';

describe('subscribeEvents', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: testServers.nats });
  });
  afterAll(() => nc?.close());

  it('delivers an event republished with the same Nats-Msg-Id once, and messages without one always', async () => {
    const subject = `tap-${randomUUID()}.event`;
    const got: string[] = [];
    const sub = subscribeEvents(nc, subject, (msg) => got.push(msg.string()));
    const withId = (id: string) => {
      const h = headers();
      h.set('Nats-Msg-Id', id);
      return { headers: h };
    };
    nc.publish(subject, 'a', withId('e1'));
    nc.publish(subject, 'a again', withId('e1')); // the relay's copy of an event the fast path sent
    nc.publish(subject, 'b', withId('e2'));
    nc.publish(subject, 'plain');
    nc.publish(subject, 'plain');
    await nc.flush();
    for (let i = 0; i < 50 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    expect(got).toEqual(['a', 'b', 'plain', 'plain']);
  });
});
