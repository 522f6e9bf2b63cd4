import { pino } from 'pino';
import type { Connection } from '../partners/partner.types.js';
import type { PartnersRepository, TokenKind } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';
import { ConnectionLookup } from './connection-lookup.js';

const vault = new TokenVault('a-test-secret-that-is-long-enough-0123');
const TOKEN = 'token-c-of-partner-one-0123456789';

/** A repository holding one token; counts lookups and can hold one back to race an invalidation. */
class OneTokenRepository {
  queries = 0;
  owner = { id: 'conn-1', name: 'Partner one' } as Connection;
  gate?: Promise<void>;

  async findByTokenIndex(hmac: string): Promise<{ connection: Connection; kind: TokenKind } | undefined> {
    this.queries += 1;
    const answer = hmac === vault.index(TOKEN) ? { connection: this.owner, kind: 'C' as TokenKind } : undefined;
    await this.gate;
    return answer;
  }

  async markSeen(): Promise<void> {}
}

function setup() {
  const repo = new OneTokenRepository();
  const lookup = new ConnectionLookup(repo as unknown as PartnersRepository, vault, pino({ level: 'silent' }));
  return { repo, lookup };
}

describe('ConnectionLookup.byAuthorization', () => {
  it('resolves a plain and a Base64 token and says which form was used', async () => {
    const { lookup } = setup();
    expect(await lookup.byAuthorization(`Token ${TOKEN}`)).toMatchObject({ connection: { id: 'conn-1' }, kind: 'C', encoding: 'plain' });
    expect(await lookup.byAuthorization(`Token ${Buffer.from(TOKEN).toString('base64')}`)).toMatchObject({ connection: { id: 'conn-1' }, encoding: 'base64' });
    expect(await lookup.byAuthorization('Token not-a-known-token')).toBeUndefined();
    expect(await lookup.byAuthorization(undefined)).toBeUndefined();
  });

  it('answers a repeated header from memory, and asks again after an invalidation', async () => {
    const { repo, lookup } = setup();
    const header = `Token ${Buffer.from(TOKEN).toString('base64')}`;
    await lookup.byAuthorization(header);
    const afterFirst = repo.queries;
    expect(afterFirst).toBe(2); // the raw value (unknown), then the decoded token
    await lookup.byAuthorization(header);
    expect(repo.queries).toBe(afterFirst);
    lookup.invalidate();
    await lookup.byAuthorization(header);
    expect(repo.queries).toBe(afterFirst + 2);
  });

  it('does not keep an answer read while an invalidation happened', async () => {
    const { repo, lookup } = setup();
    let release!: () => void;
    repo.gate = new Promise((r) => (release = r));
    const pending = lookup.byAuthorization(`Token ${TOKEN}`);
    lookup.invalidate(); // e.g. the token was rotated while the query ran
    release();
    expect(await pending).toMatchObject({ connection: { id: 'conn-1' } });
    repo.gate = undefined;
    repo.owner = { id: 'conn-1', name: 'renamed' } as Connection;
    expect(await lookup.byAuthorization(`Token ${TOKEN}`)).toMatchObject({ connection: { name: 'renamed' } });
  });
});
