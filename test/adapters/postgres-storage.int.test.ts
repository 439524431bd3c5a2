import { afterAll, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresStorage } from '../../src/adapters/postgres/storage.ts';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';
import { describeWith, probePostgres, TEST_PG } from '../support/components.ts';
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

const describePg = await describeWith('PostgreSQL', probePostgres);

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

  it('keeps documents and record log entries across close and reopen, and goes on with greater seqs', async () => {
    const schema = newSchema();
    const first = await openPostgresStorage(TEST_PG, { schema });
    await first.documents.put('shadows', 'acme', 'm1', { temp: 20 }, { tags: { twin: 'm1' }, now: 1000 });
    await first.documents.put('shadows', 'acme', 'm1', { temp: 21 }, { tags: { twin: 'm1' }, now: 2000 });
    const written = await first.records.append([
      { stream: 'history', tenant: 'acme', key: 'm1', time: 1000, data: { temp: 20 } },
      { stream: 'history', tenant: 'acme', key: 'm1', time: 2000, data: { temp: 21 } },
    ]);
    await first.close();

    const second = await openPostgresStorage(TEST_PG, { schema });
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

  it('upgrades a schema of the first version, adding documents and records', async () => {
    const schema = newSchema();
    const first = await openPostgresStorage(TEST_PG, { schema });
    await first.twins.putTwin(twinFixture('t1'));
    await first.close();
    await withClient(async (c) => {
      await c.query(`DROP TABLE "${schema}".documents, "${schema}".records`);
      await c.query(`UPDATE "${schema}".schema_version SET version = 1`);
    });
    const upgraded = await openPostgresStorage(TEST_PG, { schema });
    try {
      expect(await upgraded.twins.getTwin('acme', 't1')).toStrictEqual(twinFixture('t1'));
      expect(await upgraded.documents.put('shadows', 'acme', 'm1', {})).toBe(1);
      const entry = { stream: 's', tenant: 'acme', key: 'k', time: 1, data: {} };
      expect(await upgraded.records.append([entry])).toHaveLength(1);
    } finally {
      await upgraded.close();
    }
  });

  it('lets exactly one of two processes sharing a schema win a put expecting the same version', async () => {
    const schema = newSchema();
    const [left, right] = await Promise.all([
      openPostgresStorage(TEST_PG, { schema }),
      openPostgresStorage(TEST_PG, { schema }),
    ]);
    try {
      await left.documents.put('commands', 'acme', 'c1', { by: 'first' });
      for (let round = 1; round <= 5; round++) {
        const outcomes = await Promise.allSettled([
          left.documents.put('commands', 'acme', 'c1', { by: 'left' }, { expectedVersion: round }),
          right.documents.put('commands', 'acme', 'c1', { by: 'right' }, { expectedVersion: round }),
        ]);
        expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      }
      expect(await right.documents.get('commands', 'acme', 'c1')).toMatchObject({ version: 6 });
      // Appends from both take turns, so seqs come out in commit order and never interleave within a batch.
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, b) =>
          (b % 2 === 0 ? left : right).records.append(
            Array.from({ length: 4 }, (_, i) => ({ stream: 's', tenant: 'acme', key: `k${b}`, time: i, data: { b } })),
          ),
        ),
      );
      for (const batch of batches) {
        const seqs = batch.map((e) => e.seq);
        expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
      }
    } finally {
      await Promise.all([left.close(), right.close()]);
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
