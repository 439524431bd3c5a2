import { describe, expect, it } from 'vitest';
import { parseTwinTopic, twinTopic } from '../../../src/core/telemetry/topic.ts';

describe('twin topics', () => {
  it('splits root/tenant/twin/channel', () => {
    expect(parseTwinTopic('tf/acme/lift-001/telemetry', 'tf')).toEqual({ tenant: 'acme', twinId: 'lift-001', channel: 'telemetry' });
    expect(parseTwinTopic('tf/acme/lift-001/state/update', 'tf')?.channel).toBe('state/update');
  });

  it.each(['tf/acme/lift', 'tf/acme', 'other/acme/x/telemetry', 'tf//x/telemetry', 'tf/a//telemetry', 'tf/a/x/', 'tfx/a/b/c'])(
    'refuses %s',
    (topic) => expect(parseTwinTopic(topic, 'tf')).toBeUndefined(),
  );

  it('round-trips with twinTopic', () => {
    const t = twinTopic('root', 'default', 'm:1', 'commands/reboot');
    expect(parseTwinTopic(t, 'root')).toEqual({ tenant: 'default', twinId: 'm:1', channel: 'commands/reboot' });
  });
});
