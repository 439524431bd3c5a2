/**
 * What every `RecordLog` promises (src/ports.ts), run inside `storageContract`: `storage()` answers the fresh
 * storage of the current test.
 */
import { expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import type { LogEntry, LogQuery, Storage } from '../../src/ports.ts';
import { expectCode } from './expect-code.ts';

const T0 = 1_700_000_000_000;

type NewEntry = Omit<LogEntry, 'seq'>;

function entry(key: string, time: number, data: LogEntry['data'] = {}, overrides: Partial<NewEntry> = {}): NewEntry {
  return { stream: 'history', tenant: 'acme', key, time, data, ...overrides };
}

export function recordLogContract(storage: () => Storage): void {
  const log = (): Storage['records'] => storage().records;
  const seqsOf = (entries: readonly LogEntry[]): number[] => entries.map((e) => e.seq);
  const read = async (query: Partial<LogQuery> = {}): Promise<LogEntry[]> =>
    log().read({ stream: 'history', tenant: 'acme', ...query });
  /** Appends one entry per `[key, time]`, in order, and answers them with their seqs. */
  const given = async (...entries: [string, number][]): Promise<LogEntry[]> =>
    log().append(entries.map(([key, time], i) => entry(key, time, { i })));

  it('answers nothing from an empty log, and appends nothing for an empty batch', async () => {
    expect(await read()).toEqual([]);
    expect(await log().append([])).toEqual([]);
    expect(await read()).toEqual([]);
  });

  it('gives each appended entry an increasing seq and answers the entries as stored', async () => {
    const first = await log().append([entry('m1', T0, { temp: 20 }), entry('m2', T0 - 5, { temp: 21 })]);
    expect(first).toStrictEqual([
      { seq: first[0]?.seq, stream: 'history', tenant: 'acme', key: 'm1', time: T0, data: { temp: 20 } },
      { seq: first[1]?.seq, stream: 'history', tenant: 'acme', key: 'm2', time: T0 - 5, data: { temp: 21 } },
    ]);
    const second = await log().append([entry('m1', T0 + 1, { temp: 22 })]);
    const seqs = seqsOf([...first, ...second]);
    expect(seqs.every((seq) => Number.isSafeInteger(seq) && seq > 0)).toBe(true);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
    expect(await read()).toStrictEqual([...first, ...second]);
  });

  it('reads in seq order, the order of appending, whatever the entries’ times', async () => {
    const appended = await given(['m1', T0 + 30], ['m1', T0 + 10], ['m1', T0 + 20]);
    expect(await read({ key: 'm1' })).toStrictEqual(appended);
    expect(await read({ key: 'm1', descending: true })).toStrictEqual([...appended].reverse());
  });

  it('reads one key, from (inclusive) to (exclusive), after a seq, up to limit, either way round', async () => {
    const all = await given(
      ['m1', T0],
      ['m2', T0 + 5],
      ['m1', T0 + 10],
      ['m1', T0 + 20],
      ['m2', T0 + 20],
      ['m1', T0 + 30],
      ['m1', T0 + 40],
    );
    const m1 = all.filter((e) => e.key === 'm1');
    expect(await read({ key: 'm1' })).toStrictEqual(m1);
    expect(await read({ key: 'm2' })).toStrictEqual(all.filter((e) => e.key === 'm2'));
    expect(await read({ key: 'm3' })).toEqual([]);
    expect(await read()).toStrictEqual(all);

    expect(seqsOf(await read({ key: 'm1', from: T0 + 10 }))).toEqual(seqsOf(m1.slice(1)));
    expect(seqsOf(await read({ key: 'm1', to: T0 + 30 }))).toEqual(seqsOf(m1.slice(0, 3)));
    expect(seqsOf(await read({ key: 'm1', from: T0 + 10, to: T0 + 30 }))).toEqual(seqsOf(m1.slice(1, 3)));
    expect(await read({ key: 'm1', from: T0 + 30, to: T0 + 30 })).toEqual([]);
    expect(seqsOf(await read({ from: T0 + 20, to: T0 + 21 }))).toEqual(seqsOf(all.slice(3, 5)));

    const after = (all[2] as LogEntry).seq;
    expect(seqsOf(await read({ key: 'm1', after }))).toEqual(seqsOf(m1.slice(2)));
    expect(seqsOf(await read({ after }))).toEqual(seqsOf(all.slice(3)));
    expect(await read({ after: (all[6] as LogEntry).seq })).toEqual([]);

    expect(seqsOf(await read({ key: 'm1', limit: 2 }))).toEqual(seqsOf(m1.slice(0, 2)));
    expect(seqsOf(await read({ key: 'm1', descending: true }))).toEqual(seqsOf([...m1].reverse()));
    expect(seqsOf(await read({ key: 'm1', descending: true, limit: 2 }))).toEqual(seqsOf([m1[4], m1[3]] as LogEntry[]));
    expect(seqsOf(await read({ key: 'm1', after, descending: true, limit: 1 }))).toEqual(seqsOf([m1[4] as LogEntry]));
    expect(seqsOf(await read({ key: 'm1', from: T0 + 10, to: T0 + 40, descending: true }))).toEqual(
      seqsOf([m1[3], m1[2], m1[1]] as LogEntry[]),
    );
  });

  it('pages forward with after and limit, each entry exactly once', async () => {
    const all = await log().append(Array.from({ length: 23 }, (_, i) => entry('m1', T0 + i, { i })));
    const pages: LogEntry[][] = [];
    let after: number | undefined;
    for (;;) {
      const page = await read({ key: 'm1', after, limit: 10 });
      if (page.length === 0) break;
      pages.push(page);
      after = (page[page.length - 1] as LogEntry).seq;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(pages.flat()).toStrictEqual(all);
  });

  it('reads 100 entries unless told otherwise', async () => {
    const all = await log().append(Array.from({ length: 130 }, (_, i) => entry('m1', T0 + i)));
    expect(seqsOf(await read())).toEqual(seqsOf(all.slice(0, 100)));
    expect(seqsOf(await read({ descending: true }))).toEqual(seqsOf(all.slice(30).reverse()));
  });

  it('gives back data exactly, and keeps it whatever the caller later does to its objects', async () => {
    const data = {
      nested: { list: [1, [2, { three: null }]], empty: {} },
      text: 'Kühlraum ❄ 温度 🚀 "quoted" \\ \n \u0000',
      big: Number.MAX_SAFE_INTEGER,
      small: Number.MIN_SAFE_INTEGER,
      float: 0.1 + 0.2,
      flags: [true, false, null],
    };
    const expected = structuredClone(data);
    const input = [entry('m1', T0, data)];
    const [appended] = await log().append(input);
    data.nested.list.push(4);
    (input[0] as NewEntry).key = 'changed';
    ((appended as LogEntry).data.nested as { empty: object }).empty = { mutated: true };
    const [stored] = await read({ key: 'm1' });
    expect(stored?.data).toStrictEqual(expected);
    expect(JSON.stringify(stored?.data)).toBe(JSON.stringify(expected));
    (stored as LogEntry).data.text = 'mutated';
    expect((await read({ key: 'm1' }))[0]?.data).toStrictEqual(expected);
  });

  it("keeps tenants and streams apart: a read sees only its own stream of its own tenant", async () => {
    const [acme] = await log().append([entry('m1', T0, { who: 'acme' })]);
    const [globex] = await log().append([entry('m1', T0, { who: 'globex' }, { tenant: 'globex' })]);
    const [audit] = await log().append([entry('m1', T0, { who: 'audit' }, { stream: 'audit' })]);
    expect(await read({ key: 'm1' })).toStrictEqual([acme]);
    expect(await read({ tenant: 'globex' })).toStrictEqual([globex]);
    expect(await read({ stream: 'audit' })).toStrictEqual([audit]);
    expect(await read({ stream: 'audit', tenant: 'globex' })).toEqual([]);
    expect(await read({ tenant: 'initech' })).toEqual([]);
    expect(await read({ stream: 'nothing' })).toEqual([]);
  });

  it('gives concurrent appends distinct seqs, each batch in its own order', async () => {
    const batches = await Promise.all(
      Array.from({ length: 8 }, (_, b) =>
        log().append(Array.from({ length: 5 }, (_, i) => entry(`k${b}`, T0 + i, { b, i }))),
      ),
    );
    const seqs = batches.flatMap(seqsOf);
    expect(new Set(seqs).size).toBe(40);
    for (const batch of batches) expect(seqsOf(batch)).toEqual([...seqsOf(batch)].sort((a, b) => a - b));
    const stored = await read();
    expect(seqsOf(stored)).toEqual([...seqs].sort((a, b) => a - b));
    for (const [b, batch] of batches.entries()) expect(await read({ key: `k${b}` })).toStrictEqual(batch);
  });

  it('rejects entries and queries no store could keep or answer alike, and stores none of the batch', async () => {
    await expectCode(log().append([entry('m1', T0), entry('m1', T0 + 0.5)]), ErrorCode.InvalidRequest);
    await expectCode(log().append([entry('m1', Number.NaN)]), ErrorCode.InvalidRequest);
    const notObject = [entry('m1', T0, [] as unknown as LogEntry['data'])];
    await expectCode(log().append(notObject), ErrorCode.InvalidRequest);
    expect(await read()).toEqual([]);
    await expectCode(read({ limit: 0 }), ErrorCode.InvalidRequest);
    await expectCode(read({ from: 1.5 }), ErrorCode.InvalidRequest);
    await expectCode(read({ after: Number.POSITIVE_INFINITY }), ErrorCode.InvalidRequest);
  });
}
