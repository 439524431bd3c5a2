import { describe, expect, it } from 'vitest';
import { newCommand, type Command } from '../../../src/core/command/command.ts';
import { planDevice, queueOrder } from '../../../src/core/command/device-queue.ts';
import { RetryPolicies } from '../../../src/core/command/retry-policy.ts';

const T = 10_000;
let seq = 0;
function cmd(id: string, overrides: Partial<Command> = {}): Command {
  const { command } = newCommand({
    id, tenant: 'default', twinId: 'd1', name: 'x', params: {}, priority: 0, seq: ++seq, ordered: true,
    timeoutMs: 1000, retry: RetryPolicies.default, createdAt: 0, createdBy: 'api', delivery: 'mqtt',
  });
  return { ...command, ...overrides };
}

describe('device queue', () => {
  it('given queued ordered commands, then only the first goes out', () => {
    expect(planDevice([cmd('a'), cmd('b')], T, true)).toEqual({ expire: [], timeout: [], send: ['a'] });
  });

  it('given one in flight, then the next waits until the first is final and the deadline is the wake-up', () => {
    const plan = planDevice([cmd('a', { status: 'sent', attempts: 1, deadline: T + 50 }), cmd('b')], T, true);
    expect(plan).toEqual({ expire: [], timeout: [], send: [], wakeAt: T + 50 });
  });

  it('given a higher priority command, then it jumps the waiting queue but not the one in flight', () => {
    const low = cmd('low');
    const high = cmd('high', { priority: 5 });
    expect(planDevice([low, high], T, true).send).toEqual(['high']);
    const delivered = cmd('busy', { status: 'delivered', attempts: 1, deadline: T + 1 });
    expect(planDevice([delivered, low, high], T, true).send).toEqual([]);
  });

  it('given a command waiting for its retry, then it keeps its place at the head', () => {
    const retrying = cmd('r', { attempts: 1, notBefore: T + 200 });
    const urgent = cmd('u', { priority: 9 });
    expect(planDevice([urgent, retrying], T, true)).toEqual({ expire: [], timeout: [], send: [], wakeAt: T + 200 });
    expect(planDevice([urgent, retrying], T + 200, true).send).toEqual(['r']);
    expect(queueOrder(retrying, urgent)).toBeLessThan(0);
  });

  it('given unordered commands, then they go out at once and hold nobody up', () => {
    const plan = planDevice([cmd('a', { status: 'sent', attempts: 1, deadline: T + 9 }), cmd('free', { ordered: false }), cmd('b')], T, true);
    expect(plan.send).toEqual(['free']);
    expect(planDevice([cmd('free2', { ordered: false, status: 'sent', attempts: 1, deadline: T + 9 }), cmd('c')], T, true).send).toEqual(['c']);
    expect(planDevice([cmd('w', { ordered: false, attempts: 1, notBefore: T + 5 }), cmd('d')], T, true)).toMatchObject({ send: ['d'], wakeAt: T + 5 });
  });

  it('given an offline device, then nothing is sent but expiries still happen and are woken for', () => {
    const plan = planDevice([cmd('old', { expiresAt: T }), cmd('soon', { expiresAt: T + 10 }), cmd('later', { expiresAt: T + 30 })], T, false);
    expect(plan).toEqual({ expire: ['old'], timeout: [], send: [], wakeAt: T + 10 });
  });

  it('a command in flight without a deadline (a legacy record) never wakes the device', () => {
    expect(planDevice([cmd('a', { status: 'sent', attempts: 1 })], T, true)).toEqual({ expire: [], timeout: [], send: [] });
  });

  it('given an attempt past its deadline, then it times out', () => {
    expect(planDevice([cmd('a', { status: 'sent', attempts: 1, deadline: T })], T, true).timeout).toEqual(['a']);
  });

  it('ignores final commands and orders equal priorities by creation', () => {
    const done = cmd('done', { status: 'succeeded' });
    const first = cmd('first');
    const second = cmd('second');
    expect(planDevice([done, second, first], T, true).send).toEqual(['first']);
    expect(planDevice([], T, true)).toEqual({ expire: [], timeout: [], send: [] });
  });
});
