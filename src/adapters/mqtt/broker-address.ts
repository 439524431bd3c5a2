import { ErrorCode, TwinflowError } from '../../core/errors.ts';

/** Where an external broker listens, from an `mqtt://[user[:password]@]host[:port]` URL. */
export interface BrokerAddress {
  host: string;
  port: number;
  /** The URL without credentials: what logs and `Transport.url` may show. */
  url: string;
  username: string | undefined;
  password: string | undefined;
}

/** IANA port of unencrypted MQTT. */
export const MQTT_DEFAULT_PORT = 1883;

const plainSchemes = new Set(['mqtt:', 'tcp:']);

export function parseBrokerAddress(url: string): BrokerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new TwinflowError(ErrorCode.InvalidConfig, `not a broker URL: ${url}`, { cause: err });
  }
  if (!plainSchemes.has(parsed.protocol)) {
    // TLS (mqtts://) needs certificate options this transport does not take yet; saying so beats
    // silently opening a plain connection to a TLS port.
    throw new TwinflowError(
      ErrorCode.InvalidConfig,
      `unsupported broker URL scheme ${parsed.protocol} in ${url}: use mqtt://host:port`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new TwinflowError(ErrorCode.InvalidConfig, `broker URL without a host: ${url}`);
  const port = parsed.port === '' ? MQTT_DEFAULT_PORT : Number(parsed.port);
  return {
    host,
    port,
    url: `mqtt://${parsed.hostname}:${port}`,
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
  };
}
