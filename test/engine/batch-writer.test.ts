import { describe, expect, it } from 'vitest';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';
import { BatchWriter, retryable } from '../../src/engine/batch-writer.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { silentLogger } from '../support/logger.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { maxItems?: number; maxDelayMs?: number; fail?: number } = {}) {
  const clock = new ManualClock(1000);
  const batches: number[][] = [];
  let failures = options.fail ?? 0;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const writer = new BatchWriter<number>({
    clock,
    logger: silentLogger,
    maxItems: options.maxItems ?? 3,
    maxDelayMs: options.maxDelayMs ?? 5,
    retryBackoffMs: [10],
    write: async (items) => {
      if (gate !== undefined) await gate;
      if (failures > 0) {
        failures--;
        throw new Error('store down');
      }
      batches.push(items);
    },
  });
  const block = () => {
    gate = new Promise<void>((resolve) => (release = resolve));
  };
  const unblock = () => {
    gate = undefined;
    release?.();
  };
  return { clock, batches, writer, block, unblock };
}

describe('BatchWriter', () => {
  it('given fewer items than a batch, writes them when the delay has passed, then calls back', async () => {
    const { clock, batches, writer } = setup();
    const done: string[] = [];
    writer.add([1], () => done.push('a'));
    writer.add([2], () => done.push('b'));
    await settle();
    expect(batches).toEqual([]);
    clock.advance(4);
    await settle();
    expect(batches).toEqual([]);
    clock.advance(1);
    await settle();
    expect(batches).toEqual([[1, 2]]);
    expect(done).toEqual(['a', 'b']);
  });

  it('given a full batch, writes at once without waiting for the delay', async () => {
    const { batches, writer } = setup({ maxItems: 2 });
    writer.add([1, 2]);
    await settle();
    expect(batches).toEqual([[1, 2]]);
  });

  it('while a write is in flight, gathers what arrives into the next batch and writes it right after', async () => {
    const { batches, writer, block, unblock } = setup({ maxItems: 2 });
    block();
    writer.add([1, 2]);
    await settle();
    writer.add([3]);
    writer.add([4]);
    writer.add([5]);
    unblock();
    await settle();
    await writer.flush();
    expect(batches).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('does not call back before the write is durable, and retries a failing write with backoff', async () => {
    const { clock, batches, writer } = setup({ maxItems: 1, fail: 2 });
    let acked = false;
    writer.add([7], () => (acked = true));
    await settle();
    expect(writer.failing).toBe(true);
    expect(acked).toBe(false);
    clock.advance(10);
    await settle();
    expect(acked).toBe(false);
    clock.advance(10);
    await settle();
    expect(batches).toEqual([[7]]);
    expect(acked).toBe(true);
    expect(writer.failing).toBe(false);
  });

  it('flush and close write everything pending; after close every add is written at once', async () => {
    const { batches, writer } = setup({ maxItems: 100 });
    writer.add([1]);
    expect(writer.backlog).toBe(1);
    await writer.flush();
    expect(batches).toEqual([[1]]);
    await writer.close();
    writer.add([2]);
    await settle();
    expect(batches).toEqual([[1], [2]]);
  });

  it('drops a batch the store refuses for its content, calling back, instead of retrying it forever', async () => {
    const clock = new ManualClock();
    const writer = new BatchWriter<number>({
      clock,
      logger: silentLogger,
      maxItems: 1,
      maxDelayMs: 5,
      write: async () => {
        throw new TwinflowError(ErrorCode.InvalidRequest, 'ts 1.5 is not an integer');
      },
    });
    let called = false;
    writer.add([1], () => (called = true));
    await writer.flush();
    expect(called).toBe(true);
    expect(retryable(new TwinflowError(ErrorCode.StoreFailure, 'down'))).toBe(true);
    expect(retryable(new Error('ECONNRESET'))).toBe(true);
  });

  it('calls back a callback that came with no items', async () => {
    const { writer } = setup();
    let called = false;
    writer.add([], () => (called = true));
    await writer.flush();
    expect(called).toBe(true);
  });
});
