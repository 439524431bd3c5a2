import { afterEach, describe, expect, it } from 'vitest';
import { commandEngine, settle } from '../support/command-harness.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

type Answer = 'succeeded' | 'failed' | 'rejected';

/** Given twins and a device script (topic → answer), an engine whose devices answer every command they get. */
async function given(twins: { id: string; groups?: string[]; dimensions?: Record<string, string> }[], answer: (twin: string, name: string, params: Record<string, unknown>) => Answer) {
  const h = await commandEngine({ twins: [] });
  closers.push(h.close);
  for (const t of twins) await h.engine.registry.upsert('default', { groups: [], dimensions: {}, ...t }, 'test');
  let answered = 0;
  const pump = async () => {
    for (let round = 0; round < 50; round++) {
      await settle(5);
      const fresh = h.transport.published.slice(answered);
      answered = h.transport.published.length;
      for (const p of fresh) {
        const [, , twin, , name] = p.topic.split('/');
        h.respond(twin!, p.payload.id, answer(twin!, name!, p.payload.params));
      }
    }
  };
  const sent = () => h.transport.published.map((p) => { const [, , twin, , name] = p.topic.split('/'); return `${twin}:${name}:${JSON.stringify(p.payload.params)}`; });
  return { ...h, pump, sent };
}

const COOLING = {
  target: { group: 'hvac', selection: 'nearest', parameters: { to_device: 'context.device_id' } },
  steps: [
    { command: 'set_mode', parameters: { mode: 'cool' } },
    { command: 'set_temperature', parameters: { temperature: 23.5 } },
    { command: 'set_fan_speed', parameters: { speed: 'auto' } },
  ],
  error_handling: { strategy: 'retry', max_attempts: 3, backoff: 'exponential' },
};

describe('command sequences', () => {
  it("given the seed's activate_cooling, when a workflow starts it for a sensor, then the nearest controller gets the three steps in order", async () => {
    const h = await given(
      [
        { id: 'ts-1', dimensions: { building: 'A', floor: '2' } },
        { id: 'ac-1', groups: ['hvac'], dimensions: { building: 'A', floor: '1' } },
        { id: 'ac-2', groups: ['hvac'], dimensions: { building: 'A', floor: '2' } },
      ],
      () => 'succeeded',
    );
    h.engine.sequences.registerSequence('default', 'activate_cooling', COOLING);
    const runId = await h.engine.sequences.startSequence('default', 'activate_cooling', { device_id: 'ts-1' });
    await h.pump();
    await h.engine.sequences.idle();
    expect(h.sent()).toEqual(['ac-2:set_mode:{"mode":"cool"}', 'ac-2:set_temperature:{"temperature":23.5}', 'ac-2:set_fan_speed:{"speed":"auto"}']);
    const run = await h.engine.sequences.getRun('default', runId);
    expect(run.status).toBe('succeeded');
    expect(Object.keys(run.devices)).toEqual(['ac-2']);
    expect(Object.values(run.devices['ac-2']!.steps).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('conditions, context parameters and dependencies: a false condition skips, a dependent of a skipped step still runs', async () => {
    const h = await given([{ id: 'v1', groups: ['valves'] }, { id: 'v2', groups: ['valves'] }], () => 'succeeded');
    h.engine.sequences.registerSequence('default', 'flush', {
      target: { group: 'valves' },
      steps: [
        { name: 'open', command: 'open', parameters: { pct: 'context.pct', who: 'device.id' } },
        { name: 'boost', command: 'boost', condition: 'context.pct > 80' },
        { name: 'close', command: 'close', depends_on: ['open'] },
      ],
    });
    const runId = await h.engine.sequences.startSequence('default', 'flush', { pct: 50 });
    await h.pump();
    await h.engine.sequences.idle();
    expect(h.sent().sort()).toEqual(['v1:close:{}', 'v1:open:{"pct":50,"who":"v1"}', 'v2:close:{}', 'v2:open:{"pct":50,"who":"v2"}']);
    const run = await h.engine.sequences.getRun('default', runId);
    expect(run.devices.v1!.steps.boost).toMatchObject({ status: 'skipped', detail: 'condition was false' });
  });

  it('error handling: abort stops the device, skip goes on, compensate runs the undo steps', async () => {
    const failOn = (name: string) => (_: string, n: string): Answer => (n === name ? 'failed' : 'succeeded');
    for (const [strategy, expected, status] of [
      ['abort', ['d:a:{}', 'd:b:{}'], 'failed'],
      ['skip', ['d:a:{}', 'd:b:{}', 'd:c:{}'], 'succeeded'],
      ['compensate', ['d:a:{}', 'd:b:{}', 'd:undo_a:{"to":"previous"}'], 'compensated'],
    ] as const) {
      const h = await given([{ id: 'd' }], failOn('b'));
      h.engine.sequences.registerSequence('default', 's', {
        target: { twin: 'd' },
        steps: [{ command: 'a' }, { command: 'b' }, { command: 'c' }],
        error_handling: { strategy, compensate: [{ command: 'undo_a', parameters: { to: 'previous' } }] },
      });
      const runId = await h.engine.sequences.startSequence('default', 's', {});
      await h.pump();
      await h.engine.sequences.idle();
      expect(h.sent()).toEqual(expected);
      const run = await h.engine.sequences.getRun('default', runId);
      expect(run.status).toBe(status);
      if (strategy === 'abort') expect(run.devices.d!.steps.c!.status).toBe('not_run');
    }
  });

  it('unknown sequences, invalid specs and empty targets are reported', async () => {
    const h = await given([{ id: 'd' }], () => 'succeeded');
    await expect(h.engine.sequences.startSequence('default', 'nope', {})).rejects.toMatchObject({ code: 'sequence_not_found' });
    expect(() => h.engine.sequences.registerSequence('default', 'bad', { steps: [] })).toThrow(/invalid/);
    h.engine.sequences.registerSequence('default', 'none', { target: { group: 'ghosts' }, steps: [{ command: 'a' }] });
    const run = await h.engine.sequences.getRun('default', await h.engine.sequences.startSequence('default', 'none', {}));
    expect(run).toMatchObject({ status: 'failed', error: 'no device matched the target' });
  });
});

describe('rolling deployment', () => {
  it('given batches that grow exponentially, then devices are updated batch by batch and summarised', async () => {
    const fleet = Array.from({ length: 7 }, (_, i) => ({ id: `m${i}`, groups: ['meters'] }));
    const h = await given(fleet, () => 'succeeded');
    const rollout = await h.engine.rollouts.create('default', { command: 'firmware_update', params: { version: '2.0' }, target: { group: 'meters' }, rate: { initial: 1, growth: 'exponential', factor: 2 } });
    await h.pump();
    await h.engine.rollouts.idle();
    const done = await h.engine.rollouts.get('default', rollout.id);
    expect(done).toMatchObject({ status: 'completed', batches: 3, summary: { total: 7, succeeded: 7, failed: 0, pending: 0 } });
    expect(done.devices.map((d) => d.batch)).toEqual([1, 2, 2, 3, 3, 3, 3]);
  });

  it('given failures past the threshold, then it aborts with pending devices left; resume goes on', async () => {
    const fleet = Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, groups: ['meters'] }));
    let broken = true;
    const h = await given(fleet, (twin) => (broken && (twin === 'm0' || twin === 'm1') ? 'failed' : 'succeeded'));
    const rollout = await h.engine.rollouts.create('default', { command: 'fw', target: { group: 'meters' }, batch_size: 2, max_failure_share: 0.3 });
    await h.pump();
    await h.engine.rollouts.idle();
    const aborted = await h.engine.rollouts.get('default', rollout.id);
    expect(aborted).toMatchObject({ status: 'aborted', summary: { succeeded: 0, failed: 2, pending: 4 } });
    broken = false;
    await h.engine.rollouts.resume('default', rollout.id);
    await h.pump();
    await h.engine.rollouts.idle();
    expect(await h.engine.rollouts.get('default', rollout.id)).toMatchObject({ status: 'completed', summary: { succeeded: 4, failed: 2, pending: 0 } });
    await expect(h.engine.rollouts.resume('default', rollout.id)).rejects.toMatchObject({ code: 'command_final' });
  });

  it('validates the request', async () => {
    const h = await given([{ id: 'd' }], () => 'succeeded');
    await expect(h.engine.rollouts.create('default', { target: {}, batch_size: 0, rate: { initial: 0, growth: 'linear' }, max_failure_share: 2 })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
