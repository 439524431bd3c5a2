import { afterAll, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresStorage } from '../../src/adapters/postgres/storage.ts';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';
import { describeWith, TEST_PG } from '../support/components.ts';
import { storageContract, twinFixture } from '../contracts/storage.contract.ts';

const run = `t${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];
const newSchema = (): string => {
  const schema = `twinflow_test_${run}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const describePg = await describeWith('PostgreSQL', () => withClient(async (c) => void (await c.query('SELECT 1'))));

describePg('postgres Storage', () => {
  afterAll(async () => {
    await withClient(async (client) => {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    });
  });

  // Each test gets a schema of its own: the contract wants an empty store every time.
  storageContract(() => openPostgresStorage(TEST_PG, { schema: newSchema() }));

  it('keeps data across close and reopen, and opening an existing schema again is harmless', async () => {
    const schema = newSchema();
    const first = await openPostgresStorage(TEST_PG, { schema });
    await first.twins.putTwin(twinFixture('t1'));
    await first.telemetry.append([{ tenant: 'acme', twinId: 't1', field: 'temp', ts: 1000, value: true }]);
    await first.close();
    const [second, third] = await Promise.all([
      openPostgresStorage(TEST_PG, { schema }),
      openPostgresStorage(TEST_PG, { schema }),
    ]);
    try {
      expect(await second.twins.getTwin('acme', 't1')).toStrictEqual(twinFixture('t1'));
      expect(await third.telemetry.latest('acme', 't1')).toStrictEqual({ temp: { ts: 1000, value: true } });
    } finally {
      await Promise.all([second.close(), third.close()]);
    }
  });

  it('refuses a schema written by a newer twinflow', async () => {
    const schema = newSchema();
    await (await openPostgresStorage(TEST_PG, { schema })).close();
    await withClient((c) => c.query(`UPDATE "${schema}".schema_version SET version = 999`));
    await expect(openPostgresStorage(TEST_PG, { schema })).rejects.toMatchObject({ code: ErrorCode.InvalidConfig });
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(openPostgresStorage(TEST_PG, { schema: 'Robert"); DROP' })).rejects.toMatchObject({
      code: ErrorCode.InvalidConfig,
    });
  });

  it('fails to open with a store_failure carrying the driver error when the server cannot be reached', async () => {
    const url = new URL(TEST_PG);
    url.port = '1';
    const err = await openPostgresStorage(url.toString(), { schema: newSchema() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TwinflowError);
    expect((err as TwinflowError).code).toBe(ErrorCode.StoreFailure);
    expect((err as TwinflowError).cause).toBeDefined();
  });
});
