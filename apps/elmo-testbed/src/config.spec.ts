import { loadTestbedConfig } from './config.js';

describe('elmo-testbed configuration', () => {
  it('has working defaults: port 3010, the public doc token, testbed mode', () => {
    expect(loadTestbedConfig({})).toMatchObject({ HTTP_PORT: 3010, ELMO_TESTBED_TOKEN: 'ELMO-TESTBED-TOKEN', ELMO_TESTBED_REGISTER_MODE: 'testbed', ELMO_TESTBED_GROUP_IDS: [] });
  });

  it('parses the group list and rejects an unknown mode', () => {
    expect(loadTestbedConfig({ ELMO_TESTBED_GROUP_IDS: 'A, B,' }).ELMO_TESTBED_GROUP_IDS).toEqual(['A', 'B']);
    expect(() => loadTestbedConfig({ ELMO_TESTBED_REGISTER_MODE: 'auto' })).toThrow(/ELMO_TESTBED_REGISTER_MODE/);
  });
});
