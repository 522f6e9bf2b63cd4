import { commandTopics, meterTopics, versionOfMeterTopic } from './topics.js';

describe('MQTT topics', () => {
  it('keeps the guide\'s leading slash (an empty first level) under a configurable root', () => {
    expect(meterTopics('/rems')).toEqual(['/rems/mqtt3/meter', '/rems/mqtt5/meter']);
    expect(commandTopics('/rems', 'acme', 'IMEI1')).toEqual(['/rems/mqtt3/device/acme/IMEI1', '/rems/mqtt5/device/acme/IMEI1']);
    expect(meterTopics('/t_1/rems')[0]).toBe('/t_1/rems/mqtt3/meter');
  });

  it('maps a meter topic to its MQTT version and nothing else', () => {
    expect(versionOfMeterTopic('/rems', '/rems/mqtt3/meter')).toBe('mqtt3');
    expect(versionOfMeterTopic('/rems', '/rems/mqtt5/meter')).toBe('mqtt5');
    expect(versionOfMeterTopic('/rems', 'rems/mqtt5/meter')).toBeUndefined();
    expect(versionOfMeterTopic('/rems', '/rems/mqtt4/meter')).toBeUndefined();
    expect(versionOfMeterTopic('/rems', '/rems/mqtt5/device/a/b')).toBeUndefined();
  });
});
