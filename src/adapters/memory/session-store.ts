import type { JsonObject } from '../../core/types.ts';
import type { Clock, SessionStore } from '../../ports.ts';

interface Entry {
  /** Serialized, so a caller that mutates what it got cannot change the stored session. */
  json: string;
  expiresAt: number;
}

/** Sessions in process memory, expiring on the given clock; expired ones are dropped when touched or swept. */
export function createMemorySessionStore(clock: Clock): SessionStore {
  const sessions = new Map<string, Entry>();
  let writes = 0;
  const sweep = (now: number) => {
    for (const [id, entry] of sessions) if (entry.expiresAt <= now) sessions.delete(id);
  };
  return {
    kind: 'memory',
    async get(id, ttlMs) {
      const now = clock.now();
      const entry = sessions.get(id);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now) {
        sessions.delete(id);
        return undefined;
      }
      entry.expiresAt = now + ttlMs;
      return JSON.parse(entry.json) as JsonObject;
    },
    async put(id, doc, ttlMs) {
      const now = clock.now();
      sessions.set(id, { json: JSON.stringify(doc), expiresAt: now + ttlMs });
      // Abandoned sessions are never read again; an occasional sweep keeps them from piling up.
      if (++writes % 256 === 0) sweep(now);
    },
    async delete(id) {
      return sessions.delete(id);
    },
    async close() {
      sessions.clear();
    },
  };
}
