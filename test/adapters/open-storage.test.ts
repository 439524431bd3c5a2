import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/adapters/open-storage.ts';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'twinflow-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(url: string): Promise<TwinflowError> {
  const err = await openStorage(url).then(
    (s) => s.close().then(() => undefined),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TwinflowError);
  return err as TwinflowError;
}

describe('openStorage', () => {
  it('opens the memory store for memory:', async () => {
    const storage = await openStorage('memory:');
    expect(storage.kind).toBe('memory');
    await storage.close();
  });

  it('opens a private SQLite database for sqlite::memory:', async () => {
    const storage = await openStorage('sqlite::memory:');
    expect(storage.kind).toBe('sqlite');
    await storage.ping();
    await storage.close();
  });

  it('opens a SQLite file by absolute path, creating its directory', async () => {
    const file = join(dir, 'abs', 'deeper', 'store.db');
    const storage = await openStorage(`sqlite:${file}`);
    await storage.close();
    expect(existsSync(file)).toBe(true);
  });

  it('opens a SQLite file by a path relative to the working directory', async () => {
    const file = join(dir, 'rel', 'store.db');
    const storage = await openStorage(`sqlite:${relative(process.cwd(), file)}`);
    expect(storage.kind).toBe('sqlite');
    await storage.close();
    expect(existsSync(file)).toBe(true);
  });

  it('hands postgres:// and postgresql:// URLs to PostgreSQL', async () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const err = await failure(`${scheme}://postgres@127.0.0.1:1/none`);
      expect(err.code).toBe(ErrorCode.StoreFailure);
      expect(err.message).toMatch(/^postgres/);
    }
  });

  it('rejects any other URL with invalid_config, naming it (password hidden) and the accepted schemes', async () => {
    for (const url of ['mysql://root:hunter2@db/twins', 'memory', 'sqlite:', 'file:./x.db', '']) {
      const err = await failure(url);
      expect(err.code).toBe(ErrorCode.InvalidConfig);
      expect(err.message).not.toContain('hunter2');
      expect(err.message).toContain('sqlite:');
      expect(err.message).toContain('postgres://');
      expect(err.message).toContain('memory:');
    }
    expect((await failure('mysql://root:hunter2@db/twins')).message).toContain('mysql://root:***@db/twins');
  });
});
