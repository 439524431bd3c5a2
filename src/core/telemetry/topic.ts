/** MQTT topic layout (DESIGN.md §5.7): `{root}/{tenant}/{twin}/{channel…}`. */

export const Channel = {
  Telemetry: 'telemetry',
  StateUpdate: 'state/update',
  CommandResponse: 'commands/response',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export interface TwinTopic {
  tenant: string;
  twinId: string;
  /** The levels after the twin id, joined with '/'. */
  channel: string;
}

/** Splits a twinflow topic; undefined when the topic is not under `root` or has too few levels. */
export function parseTwinTopic(topic: string, root: string): TwinTopic | undefined {
  const prefix = `${root}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const first = topic.indexOf('/', prefix.length);
  if (first < 0) return undefined;
  const second = topic.indexOf('/', first + 1);
  if (second < 0) return undefined;
  const tenant = topic.slice(prefix.length, first);
  const twinId = topic.slice(first + 1, second);
  const channel = topic.slice(second + 1);
  if (tenant === '' || twinId === '' || channel === '') return undefined;
  return { tenant, twinId, channel };
}

export function twinTopic(root: string, tenant: string, twinId: string, channel: string): string {
  return `${root}/${tenant}/${twinId}/${channel}`;
}
