import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisSessionStore } from '../../src/adapters/redis/session-store.ts';
import { sessionStoreContract } from '../contracts/session-store.contract.ts';
import { describeWith, probeRedis, TEST_REDIS } from '../support/components.ts';

const describeRedis = await describeWith('Redis', probeRedis);

describeRedis('Redis SessionStore', () => {
  // Redis expires on its own clock, so this suite waits in real time; 300 ms keeps it short but well above jitter.
  sessionStoreContract(async () => {
    const prefix = `twinflow-test:${process.pid}:${Date.now()}:`;
    const store = await createRedisSessionStore({ url: TEST_REDIS, prefix });
    return { store, pass: (ms) => sleep(ms), close: () => store.close() };
  }, 300);
});
