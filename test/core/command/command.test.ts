import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newCommand, transition, type Command, type CommandInput } from '../../../src/core/command/command.ts';
import { AttemptOutcome, Backoff, RetryPolicies, type RetryPolicy } from '../../../src/core/command/retry-policy.ts';
import { CommandStatus, isCommandStatus, isFinal, isResponseStatus } from '../../../src/core/command/status.ts';

const T0 = 1_000_000;
const half = () => 0.5;

function given(overrides: Partial<Command> = {}): Command {
  const { command } = newCommand({
    id: 'c1', tenant: 'default', twinId: 'd1', name: 'set_mode', params: { mode: 'cool' }, priority: 0, seq: 1,
    ordered: true, timeoutMs: 5000, retry: RetryPolicies.default, createdAt: T0, createdBy: 'api', delivery: 'mqtt',
  });
  return { ...command, ...overrides };
}

/** given a command, when the inputs happen in order at the given times, then the statuses it goes through. */
function when(command: Command, steps: [number, CommandInput][]): { command: Command; path: string[]; refused: string[] } {
  const path: string[] = [];
  const refused: string[] = [];
  for (const [at, input] of steps) {
    const t = transition(command, input, { now: T0 + at, random: half });
    if (t.ok) {
      command = t.command;
      path.push(`${t.audit.from}→${t.audit.to}#${t.audit.attempt}`);
    } else refused.push(t.reason);
  }
  return { command, path, refused };
}

describe('command state machine', () => {
  it('given a new command, then it is queued with a "created" audit row', () => {
    const { command, audit } = newCommand({ ...given(), createdBy: 'api' });
    expect(command.status).toBe('queued');
    expect(audit).toMatchObject({ from: null, to: 'queued', attempt: 0, by: 'api', detail: 'created' });
  });

  it('goes queued → sent → delivered → succeeded with the result', () => {
    const r = when(given(), [
      [0, { type: 'send' }],
      [5, { type: 'response', status: 'delivered' }],
      [9, { type: 'response', status: 'succeeded', result: { ok: 1 } }],
    ]);
    expect(r.path).toEqual(['queued→sent#1', 'sent→delivered#1', 'delivered→succeeded#1']);
    expect(r.command.result).toEqual({ ok: 1 });
    expect(r.command.deadline).toBeUndefined();
  });

  it('sets the deadline of an attempt on send', () => {
    expect(when(given(), [[10, { type: 'send' }]]).command.deadline).toBe(T0 + 10 + 5000);
  });

  it('when the attempt times out with budget left, then it is queued again with a backoff wait', () => {
    const r = when(given(), [[0, { type: 'send' }], [5000, { type: 'timeout' }]]);
    expect(r.path).toEqual(['queued→sent#1', 'sent→queued#1']);
    expect(r.command.notBefore).toBe(T0 + 5000 + 1000);
  });

  it('when every attempt times out, then it ends timed_out after maxAttempts', () => {
    const r = when(given(), [
      [0, { type: 'send' }], [1, { type: 'timeout' }],
      [2, { type: 'send' }], [3, { type: 'timeout' }],
      [4, { type: 'send' }], [5, { type: 'timeout' }],
    ]);
    expect(r.command.status).toBe('timed_out');
    expect(r.command.attempts).toBe(3);
  });

  it('a device failure is final under the default policy and retried when the policy says so', () => {
    const failed = when(given(), [[0, { type: 'send' }], [1, { type: 'response', status: 'failed', error: 'jammed' }]]);
    expect(failed.command).toMatchObject({ status: 'failed', error: 'jammed' });
    const retryFailed: RetryPolicy = { ...RetryPolicies.default, retryOn: [AttemptOutcome.Failed] };
    const retried = when(given({ retry: retryFailed }), [[0, { type: 'send' }], [1, { type: 'response', status: 'failed' }]]);
    expect(retried.command.status).toBe('queued');
  });

  it('a rejection is final', () => {
    expect(when(given(), [[0, { type: 'send' }], [1, { type: 'response', status: 'rejected' }]]).command.status).toBe('rejected');
  });

  it('a late final answer to a timed-out attempt ends the retry wait', () => {
    const r = when(given(), [[0, { type: 'send' }], [5000, { type: 'timeout' }], [5100, { type: 'response', status: 'succeeded' }]]);
    expect(r.path.at(-1)).toBe('queued→succeeded#1');
    expect(r.command.notBefore).toBeUndefined();
  });

  it('a late "delivered" during the retry wait and a repeated "delivered" are ignored', () => {
    const r = when(given(), [
      [0, { type: 'send' }], [1, { type: 'response', status: 'delivered' }], [2, { type: 'response', status: 'delivered' }],
      [5000, { type: 'timeout' }], [5001, { type: 'response', status: 'delivered' }],
    ]);
    expect(r.refused).toHaveLength(2);
    expect(r.command.status).toBe('queued');
  });

  it('ignores answers to a command never sent, and anything after a final status (duplicates)', () => {
    const r = when(given(), [[0, { type: 'response', status: 'succeeded' }]]);
    expect(r.refused[0]).toMatch(/does not apply to a queued command \(attempt 0\)/);
    const done = when(given(), [[0, { type: 'send' }], [1, { type: 'response', status: 'succeeded' }], [2, { type: 'response', status: 'succeeded' }], [3, { type: 'cancel', by: 'u' }]]);
    expect(done.refused).toHaveLength(2);
  });

  it('expires only while queued', () => {
    expect(when(given(), [[0, { type: 'expire' }]]).command.status).toBe('expired');
    expect(when(given(), [[0, { type: 'send' }], [1, { type: 'expire' }]]).refused).toHaveLength(1);
  });

  it('send, timeout and offline apply only in their states', () => {
    const r = when(given(), [[0, { type: 'timeout' }], [0, { type: 'offline' }], [0, { type: 'send' }], [1, { type: 'send' }]]);
    expect(r.refused).toHaveLength(3);
  });

  it('cancel records who cancelled, and warns when the command was already out', () => {
    const queued = transition(given(), { type: 'cancel', by: 'alice' }, { now: T0, random: half });
    expect(queued.ok && queued.audit).toMatchObject({ by: 'alice', to: 'cancelled' });
    expect(queued.ok && queued.audit.detail).toBeUndefined();
    const sent = when(given(), [[0, { type: 'send' }], [1, { type: 'cancel', by: 'bob' }]]);
    expect(sent.command.status).toBe('cancelled');
  });

  it('when the device goes offline mid-attempt, then the command is queued again and the attempt does not count', () => {
    const r = when(given(), [[0, { type: 'send' }], [1, { type: 'offline' }]]);
    expect(r.command).toMatchObject({ status: 'queued', attempts: 0 });
    expect(r.command.deadline).toBeUndefined();
  });

  it('an explicit `by` wins for the audit row', () => {
    const t = transition(given(), { type: 'send' }, { now: T0, random: half, by: 'rollout' });
    expect(t.ok && t.audit.by).toBe('rollout');
  });

  it('property: every accepted transition goes to a valid status and never leaves a final one', () => {
    const input = fc.constantFrom<CommandInput>(
      { type: 'send' }, { type: 'timeout' }, { type: 'expire' }, { type: 'offline' }, { type: 'cancel', by: 'x' },
      { type: 'response', status: 'delivered' }, { type: 'response', status: 'succeeded' },
      { type: 'response', status: 'failed' }, { type: 'response', status: 'rejected' },
    );
    fc.assert(
      fc.property(fc.array(input, { maxLength: 30 }), (inputs) => {
        let c = given();
        for (const [i, step] of inputs.entries()) {
          const wasFinal = isFinal(c.status);
          const t = transition(c, step, { now: T0 + i, random: half });
          if (wasFinal) expect(t.ok).toBe(false);
          if (t.ok) {
            expect(t.audit.from).toBe(c.status);
            c = t.command;
          }
          expect(c.attempts).toBeGreaterThanOrEqual(0);
          expect(c.attempts).toBeLessThanOrEqual(c.retry.maxAttempts);
        }
      }),
    );
  });
});

describe('status helpers', () => {
  it('knows response and command statuses', () => {
    expect(isResponseStatus('delivered')).toBe(true);
    expect(isResponseStatus('rejected')).toBe(true);
    expect(isResponseStatus('queued')).toBe(false);
    expect(isCommandStatus('timed_out')).toBe(true);
    expect(isCommandStatus('nope')).toBe(false);
    expect(isCommandStatus(3)).toBe(false);
    expect(Object.values(CommandStatus).filter(isFinal)).toHaveLength(6);
  });

  it('list backoff is data too', () => {
    expect(Backoff.List).toBe('list');
  });
});
