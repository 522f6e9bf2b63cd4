/** MQTT versions a device speaks; each has its own topic prefix (`{root}/mqtt3`, `{root}/mqtt5`). */
export const MQTT_VERSIONS = ['mqtt3', 'mqtt5'] as const;
export type MqttVersion = (typeof MQTT_VERSIONS)[number];

/** Meter topics the service subscribes to. */
export function meterTopics(root: string): string[] {
  return MQTT_VERSIONS.map((v) => `${root}/${v}/meter`);
}

/** The MQTT version of a meter topic, or undefined when it is not one of ours. */
export function versionOfMeterTopic(root: string, topic: string): MqttVersion | undefined {
  return MQTT_VERSIONS.find((v) => topic === `${root}/${v}/meter`);
}

/** The command topic of one device on one MQTT version's prefix. */
export function commandTopic(root: string, version: MqttVersion, tenantAlias: string, serialId: string): string {
  return `${root}/${version}/device/${tenantAlias}/${serialId}`;
}

/** Command topics of one device, one per prefix. */
export function commandTopics(root: string, tenantAlias: string, serialId: string): string[] {
  return MQTT_VERSIONS.map((v) => commandTopic(root, v, tenantAlias, serialId));
}
