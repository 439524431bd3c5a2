/**
 * mqtt.js clients that play devices and apps in tests: TCP_NODELAY on (DESIGN §9: Nagle costs 40 ms
 * per round trip on loopback), no automatic reconnect unless asked, MQTT 3.1.1.
 */
import { connect as netConnect } from 'node:net';
import { MqttClient, type IClientOptions } from 'mqtt';

export interface DeviceOptions {
  clientId?: string;
  /** @default true */
  clean?: boolean;
  /** ms; 0 = never reconnect. @default 0 */
  reconnectPeriod?: number;
}

export function mqttHostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 1883) };
}

/** Connects an mqtt.js client to `url` and resolves after CONNACK. */
export function connectDevice(url: string, options: DeviceOptions = {}): Promise<MqttClient> {
  const { host, port } = mqttHostPort(url);
  const clientOptions: IClientOptions = {
    protocolVersion: 4,
    clientId: options.clientId ?? `device-${Math.random().toString(16).slice(2, 10)}`,
    clean: options.clean ?? true,
    reconnectPeriod: options.reconnectPeriod ?? 0,
    connectTimeout: 5_000,
  };
  const client = new MqttClient(() => netConnect({ host, port }).setNoDelay(true), clientOptions);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      client.end(true);
      reject(err);
    };
    client.once('error', onError);
    client.once('connect', () => {
      client.off('error', onError);
      resolve(client);
    });
  });
}
