/**
 * `simulation.store: redis://…` puts `twinflow up`'s simulation sessions in Redis: a session created before a
 * restart of the platform answers after it (against a real Redis, DESIGN §6).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { startPlatform } from '../../src/cli/platform.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { describeWith, probeRedis, TEST_REDIS } from '../support/components.ts';
import { pino } from 'pino';

const silentLogger = pino({ level: 'silent' });

const describeRedis = await describeWith('Redis', probeRedis);

describeRedis('twinflow up with simulation.store: redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinflow-sessions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = () =>
    parseConfig(
      [
        'http: {port: 0}',
        'mqtt: {port: 0}',
        'storage: {url: "memory:"}',
        `twins: [${JSON.stringify(dir)}]`,
        'simulator: {enabled: false}',
        `simulation: {ttl: 10m, store: ${JSON.stringify(TEST_REDIS)}}`,
      ].join('\n'),
      { env: {}, cwd: dir },
    );

  it('keeps a session across a restart of the platform', async () => {
    const first = await startPlatform({ config: config(), logger: silentLogger, simulate: false });
    let id: string;
    try {
      const init = await fetch(`${first.httpUrl}/simulate/init`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model_name: 'water_tank' }) });
      expect(init.status).toBe(200);
      id = ((await init.json()) as { session_id: string }).session_id;
      const step = await fetch(`${first.httpUrl}/simulate/step`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: id, control_input: 0.02, delta_time: 1 }) });
      expect(step.status).toBe(200);
    } finally {
      await first.close();
    }

    const second = await startPlatform({ config: config(), logger: silentLogger, simulate: false });
    try {
      const history = await fetch(`${second.httpUrl}/simulate/history/${id}`);
      expect(history.status).toBe(200);
      const redis = new Redis(TEST_REDIS);
      try {
        expect(await redis.exists(`twinflow:sim:${id}`)).toBe(1);
        await redis.del(`twinflow:sim:${id}`);
      } finally {
        redis.disconnect();
      }
    } finally {
      await second.close();
    }
  });

  it('rejects a store that is neither memory nor redis', () => {
    expect(() => parseConfig('simulation: {store: "postgres://x"}', { env: {}, cwd: dir })).toThrow(/simulation\.store: must be "memory" or a redis/);
  });
});
