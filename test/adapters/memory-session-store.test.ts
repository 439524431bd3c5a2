import { describe } from 'vitest';
import { createMemorySessionStore } from '../../src/adapters/memory/session-store.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { sessionStoreContract } from '../contracts/session-store.contract.ts';

describe('memory SessionStore', () => {
  sessionStoreContract(async () => {
    const clock = new ManualClock(1_000);
    const store = createMemorySessionStore(clock);
    return { store, pass: async (ms) => clock.advance(ms), close: () => store.close() };
  }, 60_000);
});
