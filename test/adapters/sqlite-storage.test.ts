import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';
import { openSqliteStorage } from '../../src/adapters/sqlite/storage.ts';
import { storageContract, twinFixture } from '../contracts/storage.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'twinflow-sqlite-'));
let files = 0;
const nextFile = (): string => join(dir, `store-${++files}.db`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite Storage (file)', () => storageContract(async () => openSqliteStorage(nextFile())));

describe('sqlite Storage (:memory:)', () => storageContract(async () => openSqliteStorage(':memory:')));

describe('sqlite Storage on disk', () => {
  it('keeps twins, telemetry and events across close and reopen', async () => {
    const file = nextFile();
    const first = openSqliteStorage(file);
    await first.twins.putTwin(twinFixture('t1', { metadata: { kept: true } }));
    await first.telemetry.append([{ tenant: 'acme', twinId: 't1', field: 'temp', ts: 1000, value: 21.5 }]);
    await first.events.append([
      { seq: 7, id: 'e7', type: 'twin.create', tenant: 'acme', twinId: 't1', time: 1000, data: {} },
    ]);
    await first.close();

    const second = openSqliteStorage(file);
    try {
      expect(await second.twins.getTwin('acme', 't1')).toStrictEqual(twinFixture('t1', { metadata: { kept: true } }));
      expect(await second.telemetry.latest('acme', 't1')).toStrictEqual({ temp: { ts: 1000, value: 21.5 } });
      expect(await second.events.lastSeq()).toBe(7);
    } finally {
      await second.close();
    }
  });

  it('keeps documents and record log entries across close and reopen, and goes on with greater seqs', async () => {
    const file = nextFile();
    const first = openSqliteStorage(file);
    await first.documents.put('shadows', 'acme', 'm1', { temp: 20 }, { tags: { twin: 'm1' }, now: 1000 });
    await first.documents.put('shadows', 'acme', 'm1', { temp: 21 }, { tags: { twin: 'm1' }, now: 2000 });
    const written = await first.records.append([
      { stream: 'history', tenant: 'acme', key: 'm1', time: 1000, data: { temp: 20 } },
      { stream: 'history', tenant: 'acme', key: 'm1', time: 2000, data: { temp: 21 } },
    ]);
    await first.close();

    const second = openSqliteStorage(file);
    try {
      const stored = {
        collection: 'shadows',
        tenant: 'acme',
        id: 'm1',
        version: 2,
        doc: { temp: 21 },
        tags: { twin: 'm1' },
        updatedAt: 2000,
      };
      expect(await second.documents.get('shadows', 'acme', 'm1')).toStrictEqual(stored);
      expect((await second.documents.list({ collection: 'shadows', tags: { twin: 'm1' } })).items).toStrictEqual([
        stored,
      ]);
      expect(await second.documents.put('shadows', 'acme', 'm1', {}, { expectedVersion: 2 })).toBe(3);
      expect(await second.records.read({ stream: 'history', tenant: 'acme', key: 'm1' })).toStrictEqual(written);
      const [next] = await second.records.append([
        { stream: 'history', tenant: 'acme', key: 'm1', time: 3000, data: {} },
      ]);
      expect(next?.seq).toBeGreaterThan(written[1]?.seq as number);
    } finally {
      await second.close();
    }
  });

  it('upgrades a database of the first schema version, adding documents and records', async () => {
    const file = nextFile();
    const first = openSqliteStorage(file);
    await first.twins.putTwin(twinFixture('t1'));
    await first.close();
    const db = new Database(file);
    db.exec('DROP TABLE documents; DROP TABLE records;');
    db.pragma('user_version = 1');
    db.close();

    const upgraded = openSqliteStorage(file);
    try {
      expect(await upgraded.twins.getTwin('acme', 't1')).toStrictEqual(twinFixture('t1'));
      expect(await upgraded.documents.put('shadows', 'acme', 'm1', {})).toBe(1);
      const entry = { stream: 's', tenant: 'acme', key: 'k', time: 1, data: {} };
      expect(await upgraded.records.append([entry])).toHaveLength(1);
    } finally {
      await upgraded.close();
    }
  });

  it('lets exactly one of two connections to one file win a put expecting the same version', async () => {
    const file = nextFile();
    const [left, right] = [openSqliteStorage(file), openSqliteStorage(file)];
    try {
      await left.documents.put('commands', 'acme', 'c1', { by: 'first' });
      const outcomes = await Promise.allSettled([
        left.documents.put('commands', 'acme', 'c1', { by: 'left' }, { expectedVersion: 1 }),
        right.documents.put('commands', 'acme', 'c1', { by: 'right' }, { expectedVersion: 1 }),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect((lost.reason as TwinflowError).code).toBe(ErrorCode.Conflict);
      expect(await right.documents.get('commands', 'acme', 'c1')).toMatchObject({ version: 2 });
    } finally {
      await Promise.all([left.close(), right.close()]);
    }
  });

  it('copies the WAL back into the database in the background, and folds it in on close', async () => {
    const file = nextFile();
    const storage = openSqliteStorage(file);
    const before = statSync(file).size;
    const points = Array.from({ length: 5_000 }, (_, i) => ({
      tenant: 'acme',
      twinId: `t${i % 50}`,
      field: 'temp',
      ts: i,
      value: i / 2,
    }));
    await storage.telemetry.append(points);
    // Far below the writing connection's own checkpoint threshold: only the background checkpointer writes the file.
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before), { timeout: 5_000, interval: 20 });
    await storage.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = openSqliteStorage(file);
    try {
      const series = await reopened.telemetry.query({ tenant: 'acme', twinId: 't7', every: 1_000_000, agg: 'count' });
      expect(series).toStrictEqual({ temp: [{ ts: 0, value: 100 }] });
    } finally {
      await reopened.close();
    }
  });

  it('writes in WAL mode and records its schema version', async () => {
    const file = nextFile();
    await openSqliteStorage(file).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    const file = nextFile();
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    let error: unknown;
    try {
      openSqliteStorage(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TwinflowError);
    expect((error as TwinflowError).code).toBe(ErrorCode.InvalidConfig);
  });

  it('wraps a file it cannot open in a store_failure', () => {
    let error: unknown;
    try {
      openSqliteStorage(join(dir, 'missing-dir', 'x.db'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TwinflowError);
    expect((error as TwinflowError).code).toBe(ErrorCode.StoreFailure);
    expect((error as TwinflowError).cause).toBeInstanceOf(Error);
  });
});
