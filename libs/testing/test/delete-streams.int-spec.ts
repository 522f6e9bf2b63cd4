import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { deleteStreams, testServers, uniqueSuffix } from '../src/index.js';

describe('deleteStreams', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: testServers.nats });
  });
  afterAll(() => nc?.close());

  // nats-server 2.9 removes the account's store when its last stream goes, failing a stream another
  // run creates at that moment: deleting a run's streams must never empty the account.
  it("deletes the run's streams and leaves the account a stream no run owns", async () => {
    const jsm = await jetstreamManager(nc);
    const prefix = `DS${uniqueSuffix()}`.toUpperCase();
    await jsm.streams.add({ name: `${prefix}_A`, subjects: [`${prefix.toLowerCase()}.a`] });
    // Only while this run's stream holds the account open may the keeper go, to see it restored.
    await jsm.streams.delete('CPO_TEST_KEEPER').catch(() => undefined);
    await deleteStreams(prefix);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    expect(names).not.toContain(`${prefix}_A`);
    expect(names).toContain('CPO_TEST_KEEPER');
  });
});
