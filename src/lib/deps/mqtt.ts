/**
 * `mqtt` (MQTT.js), loaded with require (see README.md in this folder) and only when called:
 * the MQTT bridge is the one user and exists only when `mqtt.url` is set, so a service without
 * MQTT never loads the package.
 */
import { createRequire } from 'node:module';
import type * as Mqtt from 'mqtt';

export type MqttClient = Mqtt.MqttClient;
export type IClientOptions = Mqtt.IClientOptions;
export type IPublishPacket = Mqtt.IPublishPacket;
export type IClientPublishOptions = Mqtt.IClientPublishOptions;

let loaded: typeof Mqtt | undefined;

export function loadMqtt(): typeof Mqtt {
  return (loaded ??= createRequire(import.meta.url)('mqtt') as typeof Mqtt);
}
