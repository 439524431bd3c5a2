/**
 * What every `DocumentStore` promises (src/ports.ts), run inside `storageContract`: `storage()` answers the fresh
 * storage of the current test.
 */
import { expect, it } from 'vitest';
import { ErrorCode, type TwinflowError } from '../../src/core/errors.ts';
import type { JsonObject } from '../../src/core/types.ts';
import type { DocumentQuery, DocumentRecord, Storage } from '../../src/ports.ts';
import { expectCode } from './expect-code.ts';

const T0 = 1_700_000_000_000;

/** A document holding what a careless encoding would change: nesting, unicode, extreme numbers, nulls, key order. */
function richDoc(): JsonObject {
  return {
    zeta: 'keys stay in the order written',
    alpha: {
      nested: [[1, 2], [], [{ deep: { deeper: ['x', null, true] } }]],
      empty: {},
      none: null,
    },
    unicode: 'Kühlraum „Nord“ ❄ 温度 שלום 🚀 e\u0301 \u0000 nul',
    escapes: 'say "hi"\\ \n\t\r done </script>',
    numbers: {
      maxSafe: Number.MAX_SAFE_INTEGER,
      minSafe: Number.MIN_SAFE_INTEGER,
      float: 0.1 + 0.2,
      tiny: 5e-324,
      huge: 1.7976931348623157e308,
      negative: -40,
      zero: 0,
    },
    flags: [true, false, null],
    '': 'empty key',
    'a.b': 'dotted key',
    '10': 'integer-like key',
  };
}

export function documentStoreContract(storage: () => Storage): void {
  const docs = (): Storage['documents'] => storage().documents;
  const ids = async (query: DocumentQuery): Promise<string[]> => (await docs().list(query)).items.map((d) => d.id);
  /** Every page of a listing, following `next`, checking each page's size on the way. */
  const allPages = async (query: DocumentQuery): Promise<DocumentRecord[][]> => {
    const pages: DocumentRecord[][] = [];
    let cursor: string | undefined;
    do {
      const page = await docs().list({ ...query, cursor });
      pages.push(page.items);
      cursor = page.next;
      if (cursor !== undefined) expect(page.items).toHaveLength(query.limit ?? 100);
    } while (cursor !== undefined);
    return pages;
  };

  it('answers undefined for a document it does not have', async () => {
    expect(await docs().get('shadows', 'acme', 'nope')).toBeUndefined();
  });

  it('creates a document at version 1 and gives it back with its tags and time', async () => {
    expect(await docs().put('shadows', 'acme', 'm1', { temp: 20 }, { tags: { twin: 'm1' }, now: T0 })).toBe(1);
    expect(await docs().get('shadows', 'acme', 'm1')).toStrictEqual({
      collection: 'shadows',
      tenant: 'acme',
      id: 'm1',
      version: 1,
      doc: { temp: 20 },
      tags: { twin: 'm1' },
      updatedAt: T0,
    });
  });

  it('replaces the whole document and its tags on every put, one version up each time', async () => {
    await docs().put('shadows', 'acme', 'm1', { temp: 20, mode: 'auto' }, { tags: { twin: 'm1', zone: 'a' }, now: T0 });
    expect(await docs().put('shadows', 'acme', 'm1', { temp: 22 }, { tags: { twin: 'm1' }, now: T0 + 1 })).toBe(2);
    expect(await docs().put('shadows', 'acme', 'm1', { temp: 23 }, { now: T0 + 2 })).toBe(3);
    expect(await docs().get('shadows', 'acme', 'm1')).toStrictEqual({
      collection: 'shadows',
      tenant: 'acme',
      id: 'm1',
      version: 3,
      doc: { temp: 23 },
      tags: {},
      updatedAt: T0 + 2,
    });
  });

  it('stamps updatedAt with the current time when no `now` is given', async () => {
    const before = Date.now();
    await docs().put('shadows', 'acme', 'm1', {});
    const after = Date.now();
    const { updatedAt } = (await docs().get('shadows', 'acme', 'm1')) as DocumentRecord;
    expect(updatedAt).toBeGreaterThanOrEqual(before);
    expect(updatedAt).toBeLessThanOrEqual(after);
  });

  it('gives back a document exactly, key order included, in get and list', async () => {
    await docs().put('models', 'acme', 'rich', richDoc(), { tags: { 'say "hi"': 'ünïcødé ❄' }, now: T0 });
    const got = (await docs().get('models', 'acme', 'rich')) as DocumentRecord;
    expect(got.doc).toStrictEqual(richDoc());
    expect(Object.keys(got.doc)).toEqual(Object.keys(richDoc()));
    expect(JSON.stringify(got.doc)).toBe(JSON.stringify(richDoc()));
    expect(got.tags).toStrictEqual({ 'say "hi"': 'ünïcødé ❄' });
    const { items } = await docs().list({ collection: 'models', tenant: 'acme' });
    expect(items).toStrictEqual([got]);
  });

  it('keeps an own "__proto__" key as data, and gives back -0 as 0 the way JSON does', async () => {
    const doc = JSON.parse('{"__proto__": {"polluted": true}, "n": -0}') as JsonObject;
    await docs().put('models', 'acme', 'odd', doc);
    const got = (await docs().get('models', 'acme', 'odd')) as DocumentRecord;
    expect(Object.hasOwn(got.doc, '__proto__')).toBe(true);
    expect(JSON.stringify(got.doc)).toBe('{"__proto__":{"polluted":true},"n":0}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('keeps what was written, whatever the caller later does to its objects', async () => {
    const doc = { nested: { a: 1 }, list: [1] };
    const tags = { twin: 'm1' };
    await docs().put('shadows', 'acme', 'm1', doc, { tags, now: T0 });
    doc.nested.a = 2;
    doc.list.push(2);
    tags.twin = 'changed';
    const read = (await docs().get('shadows', 'acme', 'm1')) as DocumentRecord;
    (read.doc.nested as { a: number }).a = 3;
    read.tags.twin = 'mutated';
    const [listed] = (await docs().list({ collection: 'shadows', tenant: 'acme' })).items;
    (listed as DocumentRecord).doc.list = [];
    const expected = { nested: { a: 1 }, list: [1] };
    expect((await docs().get('shadows', 'acme', 'm1'))?.doc).toStrictEqual(expected);
    expect((await docs().get('shadows', 'acme', 'm1'))?.tags).toStrictEqual({ twin: 'm1' });
    expect(await ids({ collection: 'shadows', tenant: 'acme', tags: { twin: 'm1' } })).toEqual(['m1']);
  });

  it('deletes a document and tells whether there was one; a new put starts again at version 1', async () => {
    await docs().put('shadows', 'acme', 'm1', { v: 1 });
    await docs().put('shadows', 'acme', 'm1', { v: 2 });
    expect(await docs().delete('shadows', 'acme', 'm1')).toBe(true);
    expect(await docs().get('shadows', 'acme', 'm1')).toBeUndefined();
    expect(await docs().delete('shadows', 'acme', 'm1')).toBe(false);
    expect(await ids({ collection: 'shadows', tenant: 'acme' })).toEqual([]);
    expect(await docs().put('shadows', 'acme', 'm1', { v: 3 }, { expectedVersion: 0 })).toBe(1);
  });

  it('with expectedVersion 0 creates a document only when it does not exist yet', async () => {
    expect(await docs().put('commands', 'acme', 'c1', { n: 1 }, { expectedVersion: 0 })).toBe(1);
    const err = await expectCode(
      docs().put('commands', 'acme', 'c1', { n: 2 }, { expectedVersion: 0 }),
      ErrorCode.Conflict,
    );
    expect(err.message).toContain('c1');
    expect(await docs().get('commands', 'acme', 'c1')).toMatchObject({ version: 1, doc: { n: 1 } });
  });

  it('with expectedVersion n writes only over version n', async () => {
    await docs().put('commands', 'acme', 'c1', { n: 1 });
    expect(await docs().put('commands', 'acme', 'c1', { n: 2 }, { expectedVersion: 1 })).toBe(2);
    await expectCode(docs().put('commands', 'acme', 'c1', { n: 3 }, { expectedVersion: 1 }), ErrorCode.Conflict);
    await expectCode(docs().put('commands', 'acme', 'c1', { n: 3 }, { expectedVersion: 3 }), ErrorCode.Conflict);
    expect(await docs().get('commands', 'acme', 'c1')).toMatchObject({ version: 2, doc: { n: 2 } });
    await expectCode(docs().put('commands', 'acme', 'ghost', { n: 1 }, { expectedVersion: 5 }), ErrorCode.Conflict);
    expect(await docs().get('commands', 'acme', 'ghost')).toBeUndefined();
  });

  it('lets exactly one of concurrent writers expecting the same version win', async () => {
    await docs().put('commands', 'acme', 'c1', { by: 'first' });
    const writers = ['a', 'b', 'c', 'd', 'e', 'f'];
    const updates = await Promise.allSettled(
      writers.map((by) => docs().put('commands', 'acme', 'c1', { by }, { expectedVersion: 1 })),
    );
    const creates = await Promise.allSettled(
      writers.map((by) => docs().put('commands', 'acme', 'c2', { by }, { expectedVersion: 0 })),
    );
    for (const [outcomes, version] of [
      [updates, 2],
      [creates, 1],
    ] as const) {
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect((outcomes[winners[0] as number] as PromiseFulfilledResult<number>).value).toBe(version);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect((o.reason as TwinflowError).code).toBe(ErrorCode.Conflict);
      }
    }
    const winner = (outcomes: PromiseSettledResult<number>[]): string =>
      writers[outcomes.findIndex((o) => o.status === 'fulfilled')] as string;
    expect(await docs().get('commands', 'acme', 'c1')).toMatchObject({ version: 2, doc: { by: winner(updates) } });
    expect(await docs().get('commands', 'acme', 'c2')).toMatchObject({ version: 1, doc: { by: winner(creates) } });
  });

  it('loses no version to concurrent unconditional writers: each gets its own', async () => {
    const versions = await Promise.all(
      Array.from({ length: 12 }, (_, i) => docs().put('shadows', 'acme', 'm1', { i })),
    );
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const last = versions.indexOf(12);
    expect(await docs().get('shadows', 'acme', 'm1')).toMatchObject({ version: 12, doc: { i: last } });
  });

  it('lists only documents carrying every given tag with the given value', async () => {
    const put = (id: string, tags: Record<string, string>): Promise<number> =>
      docs().put('commands', 'acme', id, { id }, { tags });
    await put('c1', { twin: 'm1', status: 'queued' });
    await put('c2', { twin: 'm1', status: 'sent' });
    await put('c3', { twin: 'm2', status: 'queued' });
    await put('c4', { twin: 'm1' });
    await put('c5', { twin: 'm1', status: 'queued', 'a.b': 'x', 'say "hi"': 'y' });
    await put('c6', { twin: 'M1', status: 'queued' });
    const list = (tags?: Record<string, string>): Promise<string[]> =>
      ids({ collection: 'commands', tenant: 'acme', tags });

    expect(await list()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(await list({})).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(await list({ twin: 'm1' })).toEqual(['c1', 'c2', 'c4', 'c5']);
    expect(await list({ twin: 'm1', status: 'queued' })).toEqual(['c1', 'c5']);
    expect(await list({ status: 'queued' })).toEqual(['c1', 'c3', 'c5', 'c6']);
    expect(await list({ twin: 'm1', status: 'done' })).toEqual([]);
    expect(await list({ missing: '' })).toEqual([]);
    expect(await list({ 'a.b': 'x' })).toEqual(['c5']);
    expect(await list({ 'say "hi"': 'y', twin: 'm1' })).toEqual(['c5']);
    expect(await list({ a: 'x' })).toEqual([]);
  });

  it('lists only ids starting with idPrefix, taking no character of it as a wildcard', async () => {
    const all = ['a', 'a%', 'a_b', 'ab', 'abc', 'b', 'ba', 'aB', 'é1', 'é'];
    // Around the greatest code point, where the end of the prefix range has to be found by carrying.
    all.push('z\u{10ffff}', 'z\u{10ffff}x', 'z\uffff', '{');
    for (const id of all) await docs().put('runs', 'acme', id, {});
    const sorted = async (idPrefix: string): Promise<string[]> =>
      (await ids({ collection: 'runs', tenant: 'acme', idPrefix })).sort();

    expect(await sorted('a')).toEqual(['a', 'a%', 'aB', 'a_b', 'ab', 'abc']);
    expect(await sorted('ab')).toEqual(['ab', 'abc']);
    expect(await sorted('a%')).toEqual(['a%']);
    expect(await sorted('a_')).toEqual(['a_b']);
    expect(await sorted('A')).toEqual([]);
    expect(await sorted('é')).toEqual(['é', 'é1']);
    expect(await sorted('z\u{10ffff}')).toEqual(['z\u{10ffff}', 'z\u{10ffff}x']);
    expect(await sorted('abcd')).toEqual([]);
    expect(await sorted('')).toEqual([...all].sort());
  });

  it('pages through a listing returning each document exactly once, in id order, filters applied', async () => {
    const all = Array.from({ length: 25 }, (_, i) => `run-${String(i).padStart(2, '0')}`);
    for (const [i, id] of [...all].reverse().entries()) {
      await docs().put('runs', 'acme', id, { i }, { tags: { even: String(i % 2 === 0) } });
    }
    await docs().put('runs', 'acme', 'other-1', {});
    const pages = await allPages({ collection: 'runs', tenant: 'acme', idPrefix: 'run-', limit: 7 });
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 4]);
    expect(pages.flat().map((d) => d.id)).toEqual(all);

    const even = await allPages({ collection: 'runs', tenant: 'acme', tags: { even: 'true' }, limit: 4 });
    expect(even.map((p) => p.length)).toEqual([4, 4, 4, 1]);
    expect(even.flat().every((d) => d.tags.even === 'true')).toBe(true);

    const exact = await docs().list({ collection: 'runs', tenant: 'acme', idPrefix: 'run-', limit: 25 });
    expect(exact.items).toHaveLength(25);
    expect(exact.next).toBeUndefined();
  });

  it('answers 100 documents per page unless told otherwise', async () => {
    for (let i = 0; i < 105; i++) await docs().put('runs', 'acme', `r${String(i).padStart(3, '0')}`, {});
    const first = await docs().list({ collection: 'runs', tenant: 'acme' });
    expect(first.items).toHaveLength(100);
    const second = await docs().list({ collection: 'runs', tenant: 'acme', cursor: first.next });
    expect(second.items.map((d) => d.id)).toEqual(['r100', 'r101', 'r102', 'r103', 'r104']);
    expect(second.next).toBeUndefined();
  });

  it('without a tenant lists every tenant, ordered by (tenant, id), paging across tenants', async () => {
    for (const [tenant, id] of [
      ['globex', 'b'],
      ['acme', 'z'],
      ['initech', 'a'],
      ['acme', 'a'],
      ['globex', 'a'],
    ] as const) {
      await docs().put('alarms', tenant, id, { tenant });
    }
    const pages = await allPages({ collection: 'alarms', limit: 2 });
    expect(pages.flat().map((d) => `${d.tenant}/${d.id}`)).toEqual([
      'acme/a',
      'acme/z',
      'globex/a',
      'globex/b',
      'initech/a',
    ]);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().every((d) => d.doc.tenant === d.tenant && d.collection === 'alarms')).toBe(true);
  });

  it("keeps tenants apart: one tenant never sees or changes another's documents", async () => {
    await docs().put('shadows', 'acme', 'm1', { owner: 'acme' }, { tags: { t: 'x' } });
    await docs().put('shadows', 'globex', 'm1', { owner: 'globex' }, { tags: { t: 'x' } });
    await docs().put('shadows', 'globex', 'm1', { owner: 'globex', v: 2 }, { tags: { t: 'x' } });
    expect(await docs().get('shadows', 'acme', 'm1')).toMatchObject({ version: 1, doc: { owner: 'acme' } });
    expect(await docs().get('shadows', 'globex', 'm1')).toMatchObject({ version: 2, doc: { owner: 'globex' } });
    await expectCode(docs().put('shadows', 'acme', 'm1', {}, { expectedVersion: 2 }), ErrorCode.Conflict);
    expect((await docs().list({ collection: 'shadows', tenant: 'acme', tags: { t: 'x' } })).items).toMatchObject([
      { tenant: 'acme', doc: { owner: 'acme' } },
    ]);
    expect(await docs().delete('shadows', 'globex', 'm1')).toBe(true);
    expect(await docs().get('shadows', 'acme', 'm1')).toMatchObject({ doc: { owner: 'acme' } });
    expect(await ids({ collection: 'shadows', tenant: 'globex' })).toEqual([]);
    expect(await ids({ collection: 'shadows', tenant: 'initech' })).toEqual([]);
  });

  it('keeps collections apart: the same tenant and id are different documents in each', async () => {
    await docs().put('shadows', 'acme', 'x1', { kind: 'shadow' });
    await docs().put('commands', 'acme', 'x1', { kind: 'command' });
    await docs().put('commands', 'acme', 'x1', { kind: 'command', v: 2 });
    expect(await docs().get('shadows', 'acme', 'x1')).toMatchObject({ collection: 'shadows', version: 1 });
    expect(await docs().get('commands', 'acme', 'x1')).toMatchObject({ collection: 'commands', version: 2 });
    expect(await docs().get('models', 'acme', 'x1')).toBeUndefined();
    expect(await docs().put('models', 'acme', 'x1', {}, { expectedVersion: 0 })).toBe(1);
    expect(await docs().delete('shadows', 'acme', 'x1')).toBe(true);
    expect(await docs().get('commands', 'acme', 'x1')).toMatchObject({ doc: { kind: 'command', v: 2 } });
    const listed = await docs().list({ collection: 'commands' });
    expect(listed.items.map((d) => `${d.collection}/${d.id}`)).toEqual(['commands/x1']);
    expect((await docs().list({ collection: 'nothing-here' })).items).toEqual([]);
  });

  it('rejects a cursor it did not give out, a limit below 1 and options no store could keep', async () => {
    await expectCode(docs().list({ collection: 'c', tenant: 'acme', cursor: 'garbage!' }), ErrorCode.InvalidRequest);
    await expectCode(docs().list({ collection: 'c', tenant: 'acme', limit: 0 }), ErrorCode.InvalidRequest);
    await expectCode(docs().list({ collection: 'c', tenant: 'acme', limit: 1.5 }), ErrorCode.InvalidRequest);
    await expectCode(docs().put('c', 'acme', 'x', {}, { expectedVersion: -1 }), ErrorCode.InvalidRequest);
    await expectCode(docs().put('c', 'acme', 'x', {}, { expectedVersion: 1.5 }), ErrorCode.InvalidRequest);
    await expectCode(docs().put('c', 'acme', 'x', {}, { now: Number.NaN }), ErrorCode.InvalidRequest);
    const badTags = { n: 1 } as unknown as Record<string, string>;
    await expectCode(docs().put('c', 'acme', 'x', {}, { tags: badTags }), ErrorCode.InvalidRequest);
    await expectCode(docs().list({ collection: 'c', tags: badTags }), ErrorCode.InvalidRequest);
    expect(await docs().get('c', 'acme', 'x')).toBeUndefined();
  });
}
