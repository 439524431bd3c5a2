/**
 * What every `Storage` backend promises (src/ports.ts), run by each adapter's test file. `open` must answer a
 * fresh, empty storage on every call: each test starts from nothing and closes what it opened.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';
import type { Service, TelemetryPoint, TelemetryValue, Twin, TwinEvent } from '../../src/core/types.ts';
import { Aggregate, type Series, type Storage, type TelemetryQuery } from '../../src/ports.ts';
import { documentStoreContract } from './documents.contract.ts';
import { expectCode } from './expect-code.ts';
import { recordLogContract } from './record-log.contract.ts';

const T0 = 1_700_000_000_000;

export function twinFixture(id: string, overrides: Partial<Twin> = {}): Twin {
  return {
    tenant: 'acme',
    id,
    name: `Twin ${id}`,
    metadata: {},
    interfaces: {},
    dependencies: {},
    relationships: [],
    groups: [],
    dimensions: {},
    blocks: [],
    status: 'active',
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** A twin whose every JSON-ish field holds something a careless encoding would change. */
function richTwin(): Twin {
  return twinFixture('pump-7', {
    name: 'Kühlraum-Pumpe „Nord“ ❄',
    model: 'dtmi:com:example:Pump;1',
    metadata: {
      serial: 'SN-0042',
      installed: '2024-03-01',
      ratings: { power_kw: 7.5, efficiency: 0.1 + 0.2, max_rpm: 2 ** 53 - 1, min_temp: -40 },
      tags: ['cold', 'critical', ''],
      flags: { leased: false, inspected: true, notes: null },
      nested: [[1, 2], [], [{ deep: { deeper: ['x'] } }]],
      empty: {},
      quoted: 'say "hi"\\ \n\t done',
    },
    interfaces: { api: 'http://pump-7.local/api', data_streams: ['telemetry', 'alarms'] },
    dependencies: { static: ['chiller-1'], dynamic: ['grid'] },
    relationships: [
      { name: 'feeds', target: 'tank-3', properties: { pipe_mm: 80, insulated: true } },
      { name: 'locatedIn', target: 'room-12' },
    ],
    groups: ['pumps', 'building-a'],
    dimensions: { building: 'A', floor: '2', zone: 'north' },
    blocks: [
      { use: 'kalman', input: 'flow', params: { q: 0.01, r: [0.5, 0.25] } },
      { module_path: './blocks/wear.ts', version: '1.2.0' },
    ],
    status: 'deprecated',
    version: 42,
    createdAt: T0 - 86_400_000,
    updatedAt: T0 + 1,
  });
}

function serviceFixture(id: string, overrides: Partial<Service> = {}): Service {
  return {
    tenant: 'acme',
    id,
    category: 'analytics',
    interfaces: { api: `http://${id}.local` },
    health: { status: 'up', checks: [{ name: 'db', ok: true }] },
    metadata: { owner: 'ops', replicas: 2 },
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function point(twinId: string, field: string, ts: number, value: TelemetryValue, tenant = 'acme'): TelemetryPoint {
  return { tenant, twinId, field, ts, value };
}

function eventFixture(seq: number, overrides: Partial<TwinEvent> = {}): TwinEvent {
  return {
    seq,
    id: `ev-${seq}`,
    type: 'twin.update',
    tenant: 'acme',
    twinId: 'pump-1',
    time: T0 + seq * 1000,
    data: { seq, patch: { name: `n${seq}` } },
    ...overrides,
  };
}

/** The independent reading of `every` + `agg` the stores are checked against (see DESIGN.md §5.8). */
function expectedSeries(points: readonly TelemetryPoint[], query: TelemetryQuery): Series {
  const out: Series = {};
  const fields = query.fields ?? [...new Set(points.map((p) => p.field))];
  for (const field of fields) {
    const mine = points
      .filter((p) => p.field === field && (query.from === undefined || p.ts >= query.from))
      .filter((p) => query.to === undefined || p.ts < query.to)
      .sort((a, b) => a.ts - b.ts);
    let result: { ts: number; value: TelemetryValue }[];
    if (query.every === undefined) {
      result = mine.map((p) => ({ ts: p.ts, value: p.value }));
    } else {
      const every = query.every;
      const buckets = new Map<number, TelemetryPoint[]>();
      for (const p of mine) {
        const start = Math.floor(p.ts / every) * every;
        buckets.set(start, [...(buckets.get(start) ?? []), p]);
      }
      result = [];
      for (const start of [...buckets.keys()].sort((a, b) => a - b)) {
        const members = buckets.get(start) ?? [];
        const numbers = members
          .filter((p) => typeof p.value !== 'string')
          .map((p) => (p.value === true ? 1 : p.value === false ? 0 : (p.value as number)));
        const agg = query.agg ?? 'avg';
        const first = members[0] as TelemetryPoint;
        const last = members[members.length - 1] as TelemetryPoint;
        if (agg === 'count') result.push({ ts: start, value: members.length });
        else if (agg === 'first') result.push({ ts: start, value: first.value });
        else if (agg === 'last') result.push({ ts: start, value: last.value });
        else if (numbers.length > 0) {
          const sum = numbers.reduce((a, b) => a + b, 0);
          const byAgg = { sum, avg: sum / numbers.length, min: Math.min(...numbers), max: Math.max(...numbers) };
          result.push({ ts: start, value: byAgg[agg] });
        }
      }
    }
    if (query.limit !== undefined) result = query.limit === 0 ? [] : result.slice(-query.limit);
    if (result.length > 0) out[field] = result;
  }
  return out;
}

/** Equal series, numbers within rounding: SQL engines may sum floats in another order. */
function expectSeriesClose(actual: Series, expected: Series): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [field, points] of Object.entries(expected)) {
    const got = actual[field] ?? [];
    expect(got.map((p) => p.ts), `timestamps of ${field}`).toEqual(points.map((p) => p.ts));
    points.forEach((p, i) => {
      const value = got[i]?.value;
      if (typeof p.value === 'number' && typeof value === 'number') {
        expect(Math.abs(value - p.value), `${field}@${p.ts}: ${value} vs ${p.value}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(p.value)),
        );
      } else {
        expect(value, `${field}@${p.ts}`).toStrictEqual(p.value);
      }
    });
  }
}

/** Deterministic mixed data: numbers (some negative, some fractional), booleans, strings, a strings-only bucket. */
function mixedPoints(): TelemetryPoint[] {
  const points: TelemetryPoint[] = [];
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < 160; i++) {
    const ts = -3_000 + Math.floor(i * 97.3);
    const r = next();
    const value: TelemetryValue =
      r < 0.6 ? Math.round((next() * 200 - 100) * 1000) / 1000 : r < 0.8 ? next() < 0.5 : `s${Math.floor(next() * 10)}`;
    points.push(point('pump-1', 'mixed', ts, value));
  }
  for (const ts of [20_010, 20_500, 20_999]) points.push(point('pump-1', 'mixed', ts, `only-strings-${ts}`));
  for (let i = 0; i < 40; i++) points.push(point('pump-1', 'flow', T0 + i * 250, i * 1.5));
  return points;
}

export function storageContract(open: () => Promise<Storage>): void {
  let storage: Storage;

  beforeEach(async () => {
    storage = await open();
  });

  afterEach(async () => {
    await storage.close();
  });

  describe('twins', () => {
    it('answers undefined for a twin it does not have', async () => {
      expect(await storage.twins.getTwin('acme', 'nope')).toBeUndefined();
    });

    it('gives back a stored twin exactly, every JSON field included', async () => {
      const twin = richTwin();
      await storage.twins.putTwin(twin);
      expect(await storage.twins.getTwin('acme', 'pump-7')).toStrictEqual(richTwin());
      const { items } = await storage.twins.listTwins({ tenant: 'acme' });
      expect(items).toStrictEqual([richTwin()]);
    });

    it('replaces a twin on a put without expectedVersion', async () => {
      await storage.twins.putTwin(twinFixture('t1', { model: 'pump', groups: ['a'] }));
      const changed = twinFixture('t1', { name: 'renamed', version: 2, groups: ['b'], dimensions: { floor: '3' } });
      await storage.twins.putTwin(changed);
      expect(await storage.twins.getTwin('acme', 't1')).toStrictEqual(changed);
      expect((await storage.twins.listTwins({ tenant: 'acme', model: 'pump' })).items).toEqual([]);
      expect((await storage.twins.listTwins({ tenant: 'acme', group: 'b' })).items).toHaveLength(1);
    });

    it('keeps what was written, whatever the caller later does to its objects', async () => {
      const twin = twinFixture('t1', { metadata: { a: 1 }, groups: ['g'] });
      await storage.twins.putTwin(twin);
      (twin.metadata as { a: number }).a = 2;
      twin.groups.push('h');
      const read = (await storage.twins.getTwin('acme', 't1')) as Twin;
      read.metadata.a = 3;
      expect(await storage.twins.getTwin('acme', 't1')).toStrictEqual(
        twinFixture('t1', { metadata: { a: 1 }, groups: ['g'] }),
      );
    });

    it('deletes a twin and tells whether there was one', async () => {
      await storage.twins.putTwin(twinFixture('t1'));
      expect(await storage.twins.deleteTwin('acme', 't1')).toBe(true);
      expect(await storage.twins.getTwin('acme', 't1')).toBeUndefined();
      expect(await storage.twins.deleteTwin('acme', 't1')).toBe(false);
      expect((await storage.twins.listTwins({ tenant: 'acme' })).items).toEqual([]);
    });

    it('with expectedVersion 0 creates a twin only when it does not exist yet', async () => {
      await storage.twins.putTwin(twinFixture('t1'), 0);
      await expectCode(storage.twins.putTwin(twinFixture('t1', { name: 'second', version: 1 }), 0), ErrorCode.Conflict);
      expect((await storage.twins.getTwin('acme', 't1'))?.name).toBe('Twin t1');
    });

    it('with expectedVersion n writes only over version n', async () => {
      await storage.twins.putTwin(twinFixture('t1'));
      await storage.twins.putTwin(twinFixture('t1', { version: 2, name: 'v2' }), 1);
      await expectCode(storage.twins.putTwin(twinFixture('t1', { version: 3, name: 'stale' }), 1), ErrorCode.Conflict);
      expect(await storage.twins.getTwin('acme', 't1')).toStrictEqual(twinFixture('t1', { version: 2, name: 'v2' }));
      await expectCode(storage.twins.putTwin(twinFixture('ghost', { version: 6 }), 5), ErrorCode.Conflict);
      expect(await storage.twins.getTwin('acme', 'ghost')).toBeUndefined();
    });

    it('lets exactly one of two concurrent writers expecting the same version win', async () => {
      await storage.twins.putTwin(twinFixture('t1'));
      const outcomes = await Promise.allSettled([
        storage.twins.putTwin(twinFixture('t1', { version: 2, name: 'left' }), 1),
        storage.twins.putTwin(twinFixture('t1', { version: 2, name: 'right' }), 1),
        storage.twins.putTwin(twinFixture('t2', { name: 'left' }), 0),
        storage.twins.putTwin(twinFixture('t2', { name: 'right' }), 0),
      ]);
      const won = outcomes.map((o) => o.status === 'fulfilled');
      expect(won.filter(Boolean)).toHaveLength(2);
      expect(won[0]).not.toBe(won[1]);
      expect(won[2]).not.toBe(won[3]);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect((o.reason as TwinflowError).code).toBe(ErrorCode.Conflict);
      }
      expect((await storage.twins.getTwin('acme', 't1'))?.name).toBe(won[0] ? 'left' : 'right');
      expect((await storage.twins.getTwin('acme', 't2'))?.name).toBe(won[2] ? 'left' : 'right');
    });

    it('filters a listing by status, model, group and every given dimension', async () => {
      const twins = [
        twinFixture('a', { model: 'pump', groups: ['g1', 'g2'], dimensions: { building: 'A', floor: '1' } }),
        twinFixture('b', {
          model: 'pump',
          groups: ['g2'],
          dimensions: { building: 'A', floor: '2' },
          status: 'deprecated',
        }),
        twinFixture('c', { model: 'valve', groups: ['g1'], dimensions: { building: 'B', floor: '1' } }),
        twinFixture('d', { groups: [], dimensions: { building: 'A' } }),
        twinFixture('e', { model: 'pump', groups: ['g10'], dimensions: { building: 'A', floor: '1', zone: 'z' } }),
      ];
      for (const t of twins) await storage.twins.putTwin(t);
      const ids = async (query: Parameters<Storage['twins']['listTwins']>[0]): Promise<string[]> =>
        (await storage.twins.listTwins(query)).items.map((t) => t.id);

      expect(await ids({ tenant: 'acme' })).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(await ids({ tenant: 'acme', status: 'active' })).toEqual(['a', 'c', 'd', 'e']);
      expect(await ids({ tenant: 'acme', status: 'deprecated' })).toEqual(['b']);
      expect(await ids({ tenant: 'acme', model: 'pump' })).toEqual(['a', 'b', 'e']);
      expect(await ids({ tenant: 'acme', group: 'g1' })).toEqual(['a', 'c']);
      expect(await ids({ tenant: 'acme', group: 'g' })).toEqual([]);
      expect(await ids({ tenant: 'acme', dimensions: { building: 'A' } })).toEqual(['a', 'b', 'd', 'e']);
      expect(await ids({ tenant: 'acme', dimensions: { building: 'A', floor: '1' } })).toEqual(['a', 'e']);
      expect(await ids({ tenant: 'acme', dimensions: { floor: '1', zone: 'z' } })).toEqual(['e']);
      expect(await ids({ tenant: 'acme', dimensions: { zone: 'y' } })).toEqual([]);
      expect(await ids({ tenant: 'acme', dimensions: {} })).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(
        await ids({ tenant: 'acme', model: 'pump', group: 'g2', status: 'active', dimensions: { floor: '1' } }),
      ).toEqual(['a']);
    });

    it('pages through a listing returning each twin exactly once, in id order', async () => {
      const ids = Array.from({ length: 25 }, (_, i) => `twin-${String(i).padStart(2, '0')}`);
      for (const id of [...ids].reverse()) {
        await storage.twins.putTwin(twinFixture(id, { groups: Number(id.slice(-2)) % 2 === 0 ? ['even'] : [] }));
      }
      const walk = async (query: { group?: string }, limit: number): Promise<{ seen: string[]; pages: number }> => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await storage.twins.listTwins({
            tenant: 'acme',
            ...query,
            limit,
            ...(cursor ? { cursor } : {}),
          });
          pages++;
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items.map((t) => t.id));
          cursor = page.next;
        } while (cursor !== undefined && pages < 100);
        return { seen, pages };
      };
      const all = await walk({}, 10);
      expect(all.seen).toEqual(ids);
      expect(all.pages).toBe(3);
      const even = await walk({ group: 'even' }, 4);
      expect(even.seen).toEqual(ids.filter((_, i) => i % 2 === 0));
      expect(even.pages).toBeGreaterThan(2);
    });

    it('answers 100 twins per page unless told otherwise', async () => {
      for (let i = 0; i < 101; i++) await storage.twins.putTwin(twinFixture(`t${String(i).padStart(3, '0')}`));
      const first = await storage.twins.listTwins({ tenant: 'acme' });
      expect(first.items).toHaveLength(100);
      expect(first.next).toBeDefined();
      const second = await storage.twins.listTwins({ tenant: 'acme', cursor: first.next as string });
      expect(second.items.map((t) => t.id)).toEqual(['t100']);
      expect(second.next).toBeUndefined();
    });

    it('without a tenant lists every tenant, ordered by (tenant, id)', async () => {
      const keys = [
        ['globex', 'a'],
        ['acme', 'b'],
        ['acme', 'a'],
        ['globex', 'c'],
        ['initech', 'a'],
      ] as const;
      for (const [tenant, id] of keys) await storage.twins.putTwin(twinFixture(id, { tenant }));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await storage.twins.listTwins({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((t) => `${t.tenant}/${t.id}`));
        cursor = page.next;
      } while (cursor !== undefined);
      expect(seen).toEqual(['acme/a', 'acme/b', 'globex/a', 'globex/c', 'initech/a']);
    });

    it('rejects a cursor it did not give out, and a limit below 1', async () => {
      await expectCode(storage.twins.listTwins({ tenant: 'acme', cursor: 'not a cursor' }), ErrorCode.InvalidRequest);
      await expectCode(storage.twins.listTwins({ tenant: 'acme', limit: 0 }), ErrorCode.InvalidRequest);
    });

    it("keeps tenants apart: one tenant never sees or changes another's twins", async () => {
      await storage.twins.putTwin(twinFixture('shared', { name: 'acme twin', groups: ['g'] }));
      await storage.twins.putTwin(twinFixture('shared', { tenant: 'globex', name: 'globex twin', groups: ['g'] }));
      await storage.twins.putTwin(twinFixture('only-globex', { tenant: 'globex' }));

      expect((await storage.twins.getTwin('acme', 'shared'))?.name).toBe('acme twin');
      expect(await storage.twins.getTwin('acme', 'only-globex')).toBeUndefined();
      expect((await storage.twins.listTwins({ tenant: 'acme' })).items.map((t) => t.name)).toEqual(['acme twin']);
      expect((await storage.twins.listTwins({ tenant: 'acme', group: 'g' })).items).toHaveLength(1);
      await expectCode(storage.twins.putTwin(twinFixture('only-globex'), 1), ErrorCode.Conflict);
      await storage.twins.putTwin(twinFixture('shared', { version: 2 }), 1);
      expect(await storage.twins.deleteTwin('acme', 'only-globex')).toBe(false);
      expect(await storage.twins.deleteTwin('acme', 'shared')).toBe(true);
      expect((await storage.twins.getTwin('globex', 'shared'))?.name).toBe('globex twin');
      expect((await storage.twins.getTwin('globex', 'shared'))?.version).toBe(1);
    });
  });

  describe('services', () => {
    it('stores, replaces and gives back services exactly', async () => {
      expect(await storage.twins.getService('acme', 'svc')).toBeUndefined();
      await storage.twins.putService(serviceFixture('svc'));
      expect(await storage.twins.getService('acme', 'svc')).toStrictEqual(serviceFixture('svc'));
      const changed = serviceFixture('svc', { category: 'gateway', health: { status: 'down' }, version: 2 });
      await storage.twins.putService(changed);
      expect(await storage.twins.getService('acme', 'svc')).toStrictEqual(changed);
    });

    it('lists services by category, page by page, within one tenant', async () => {
      for (let i = 0; i < 7; i++) {
        await storage.twins.putService(serviceFixture(`svc-${i}`, { category: i % 2 === 0 ? 'analytics' : 'gateway' }));
      }
      await storage.twins.putService(serviceFixture('svc-x', { tenant: 'globex' }));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await storage.twins.listServices({ tenant: 'acme', limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((s) => s.id));
        cursor = page.next;
        pages++;
      } while (cursor !== undefined);
      expect(seen).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6']);
      expect(pages).toBe(3);
      const gateways = await storage.twins.listServices({ tenant: 'acme', category: 'gateway' });
      expect(gateways.items.map((s) => s.id)).toEqual(['svc-1', 'svc-3', 'svc-5']);
      expect(gateways.next).toBeUndefined();
      expect((await storage.twins.listServices({ tenant: 'globex' })).items.map((s) => s.id)).toEqual(['svc-x']);
      expect(await storage.twins.getService('acme', 'svc-x')).toBeUndefined();
    });
  });

  describe('telemetry', () => {
    it('gives back numbers, booleans and strings with their type, ascending by ts', async () => {
      await storage.telemetry.append([
        point('pump-1', 'temp', T0 + 2000, 21.5),
        point('pump-1', 'temp', T0, -3),
        point('pump-1', 'temp', T0 + 1000, 0),
        point('pump-1', 'running', T0, true),
        point('pump-1', 'running', T0 + 1000, false),
        point('pump-1', 'mode', T0, 'auto'),
        point('pump-1', 'mode', T0 + 500, ''),
        point('pump-1', 'mode', T0 + 600, 'ünï "cödé" ✓'),
        point('pump-1', 'big', T0, 2 ** 53 - 1),
        point('pump-1', 'tiny', T0, 5e-324),
      ]);
      expect(await storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1' })).toStrictEqual({
        temp: [
          { ts: T0, value: -3 },
          { ts: T0 + 1000, value: 0 },
          { ts: T0 + 2000, value: 21.5 },
        ],
        running: [
          { ts: T0, value: true },
          { ts: T0 + 1000, value: false },
        ],
        mode: [
          { ts: T0, value: 'auto' },
          { ts: T0 + 500, value: '' },
          { ts: T0 + 600, value: 'ünï "cödé" ✓' },
        ],
        big: [{ ts: T0, value: 2 ** 53 - 1 }],
        tiny: [{ ts: T0, value: 5e-324 }],
      });
    });

    it('ignores a point whose key is already stored: the first write wins', async () => {
      await storage.telemetry.append([point('pump-1', 'temp', T0, 1), point('pump-1', 'temp', T0, 2)]);
      await storage.telemetry.append([point('pump-1', 'temp', T0, 3), point('pump-1', 'temp', T0 + 1, 4)]);
      await storage.telemetry.append([]);
      expect(await storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1' })).toStrictEqual({
        temp: [
          { ts: T0, value: 1 },
          { ts: T0 + 1, value: 4 },
        ],
      });
    });

    it('selects by fields, from (inclusive), to (exclusive) and keeps the latest `limit` points', async () => {
      const points = [
        ...Array.from({ length: 10 }, (_, i) => point('pump-1', 'temp', T0 + i * 1000, 20 + i)),
        ...Array.from({ length: 10 }, (_, i) => point('pump-1', 'rpm', T0 + i * 1000, 1000 + i)),
        point('pump-1', 'mode', T0, 'auto'),
      ];
      await storage.telemetry.append(points);
      const q = (query: Partial<TelemetryQuery>): Promise<Series> =>
        storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1', ...query });
      const cases: Partial<TelemetryQuery>[] = [
        { fields: ['temp'] },
        { fields: ['temp', 'mode'] },
        { fields: ['temp', 'nonexistent'] },
        { from: T0 + 3000 },
        { to: T0 + 3000 },
        { from: T0 + 3000, to: T0 + 5000 },
        { from: T0 + 3000, to: T0 + 3000 },
        { limit: 3 },
        { limit: 3, to: T0 + 5000 },
        { fields: ['rpm'], limit: 100 },
        { fields: ['rpm'], limit: 0 },
      ];
      for (const c of cases) {
        expect(await q(c), JSON.stringify(c)).toStrictEqual(expectedSeries(points, c as TelemetryQuery));
      }
      expect(await q({ from: T0 + 1000, to: T0 + 2500, limit: 1 })).toStrictEqual({
        temp: [{ ts: T0 + 2000, value: 22 }],
        rpm: [{ ts: T0 + 2000, value: 1002 }],
      });
      expect(await q({ fields: ['nonexistent'] })).toStrictEqual({});
      expect(await storage.telemetry.query({ tenant: 'acme', twinId: 'no-such-twin' })).toStrictEqual({});
    });

    for (const agg of Object.values(Aggregate)) {
      it(`reduces buckets of \`every\` ms with ${agg}`, async () => {
        const points = mixedPoints();
        await storage.telemetry.append(points);
        const base = { tenant: 'acme', twinId: 'pump-1', agg } as const;
        const queries: TelemetryQuery[] = [
          { ...base, every: 1000 },
          { ...base, every: 1000, fields: ['mixed'], from: -1_500, to: 9_001 },
          { ...base, every: 700, fields: ['mixed'], limit: 4 },
          { ...base, every: 1000, fields: ['flow'], limit: 3, from: T0 + 500 },
          { ...base, every: 60_000 },
        ];
        for (const query of queries) {
          const expected = expectedSeries(points, query);
          expect(Object.keys(expected).length, 'the expectation is not empty').toBeGreaterThan(0);
          expectSeriesClose(await storage.telemetry.query(query), expected);
        }
      });
    }

    it('averages when every is given without agg, and leaves out buckets with nothing to average', async () => {
      const points = [
        point('pump-1', 'x', 0, 1),
        point('pump-1', 'x', 10, true),
        point('pump-1', 'x', 20, 'ignored'),
        point('pump-1', 'x', 100, 'only text'),
        point('pump-1', 'x', 200, false),
        point('pump-1', 'x', -1, 6),
      ];
      await storage.telemetry.append(points);
      expect(await storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1', every: 100 })).toStrictEqual({
        x: [
          { ts: -100, value: 6 },
          { ts: 0, value: 1 },
          { ts: 200, value: 0 },
        ],
      });
      const counted = await storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1', every: 100, agg: 'count' });
      expect(counted).toStrictEqual({
        x: [
          { ts: -100, value: 1 },
          { ts: 0, value: 3 },
          { ts: 100, value: 1 },
          { ts: 200, value: 1 },
        ],
      });
    });

    it('answers the newest point of each field with its type', async () => {
      await storage.telemetry.append([
        point('pump-1', 'temp', T0 + 5, 20),
        point('pump-1', 'temp', T0 + 9, 21),
        point('pump-1', 'temp', T0 + 7, 22),
        point('pump-1', 'running', T0 + 1, true),
        point('pump-1', 'mode', T0 + 3, 'eco'),
        point('pump-2', 'temp', T0 + 99, 99),
      ]);
      expect(await storage.telemetry.latest('acme', 'pump-1')).toStrictEqual({
        temp: { ts: T0 + 9, value: 21 },
        running: { ts: T0 + 1, value: true },
        mode: { ts: T0 + 3, value: 'eco' },
      });
      expect(await storage.telemetry.latest('acme', 'nobody')).toStrictEqual({});
    });

    it("keeps tenants apart: one tenant never sees another's points", async () => {
      await storage.telemetry.append([point('pump-1', 'temp', T0, 1), point('pump-1', 'temp', T0, 2, 'globex')]);
      await storage.telemetry.append([point('pump-1', 'secret', T0 + 1, 'globex only', 'globex')]);
      expect(await storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1' })).toStrictEqual({
        temp: [{ ts: T0, value: 1 }],
      });
      expect(await storage.telemetry.latest('acme', 'pump-1')).toStrictEqual({ temp: { ts: T0, value: 1 } });
      const counted = await storage.telemetry.query({ tenant: 'globex', twinId: 'pump-1', every: 1000, agg: 'count' });
      expect(counted).toStrictEqual({
        temp: [{ ts: T0, value: 1 }],
        secret: [{ ts: T0, value: 1 }],
      });
      expect(await storage.telemetry.query({ tenant: 'initech', twinId: 'pump-1' })).toStrictEqual({});
    });

    it('rejects a batch holding a point no store can keep exactly, and stores none of it', async () => {
      const bad = [point('pump-1', 'temp', T0, 1), point('pump-1', 'temp', T0 + 0.5, 2)];
      await expectCode(storage.telemetry.append(bad), ErrorCode.InvalidRequest);
      await expectCode(storage.telemetry.append([point('pump-1', 'temp', T0, Number.NaN)]), ErrorCode.InvalidRequest);
      await expectCode(
        storage.telemetry.append([point('pump-1', 'temp', T0, null as unknown as TelemetryValue)]),
        ErrorCode.InvalidRequest,
      );
      expect(await storage.telemetry.query({ tenant: 'acme', twinId: 'pump-1' })).toStrictEqual({});
    });

    it('rejects a bucket width or limit that is not a whole number', async () => {
      const base = { tenant: 'acme', twinId: 'pump-1' };
      await expectCode(storage.telemetry.query({ ...base, every: 0 }), ErrorCode.InvalidRequest);
      await expectCode(storage.telemetry.query({ ...base, every: 1.5 }), ErrorCode.InvalidRequest);
      await expectCode(storage.telemetry.query({ ...base, limit: -1 }), ErrorCode.InvalidRequest);
    });
  });

  describe('event log', () => {
    it('answers lastSeq 0 when empty and the greatest seq once written', async () => {
      expect(await storage.events.lastSeq()).toBe(0);
      expect(await storage.events.read({})).toEqual([]);
      await storage.events.append([eventFixture(3), eventFixture(1)]);
      await storage.events.append([eventFixture(2)]);
      expect(await storage.events.lastSeq()).toBe(3);
      expect((await storage.events.read({})).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('gives back events exactly, with and without a twin', async () => {
      const withTwin = eventFixture(1, { data: { nested: { list: [1, 'two', null, { three: true }] }, n: -0.5 } });
      const withoutTwin = eventFixture(2, { type: 'workflow.deployed', data: { name: 'wf' } });
      delete withoutTwin.twinId;
      await storage.events.append([withTwin, withoutTwin]);
      expect(await storage.events.read({})).toStrictEqual([withTwin, withoutTwin]);
    });

    it('ignores an event whose seq is already stored', async () => {
      await storage.events.append([eventFixture(1)]);
      await storage.events.append([eventFixture(1, { id: 'other' }), eventFixture(2)]);
      expect((await storage.events.read({})).map((e) => e.id)).toEqual(['ev-1', 'ev-2']);
    });

    it('filters by after, tenant, types, twinId and since, and stops at limit', async () => {
      const events = [
        eventFixture(1, { type: 'twin.create', twinId: 'a' }),
        eventFixture(2, { type: 'state.update', twinId: 'a' }),
        eventFixture(3, { type: 'state.update', twinId: 'b', tenant: 'globex' }),
        eventFixture(4, { type: 'alarm.raised', twinId: 'b' }),
        eventFixture(5, { type: 'state.update', twinId: 'b' }),
        eventFixture(6, { type: 'command.status', twinId: 'a', tenant: 'globex' }),
        eventFixture(7, { type: 'state.update', twinId: 'a' }),
      ];
      await storage.events.append(events);
      const seqs = async (query: Parameters<Storage['events']['read']>[0]): Promise<number[]> =>
        (await storage.events.read(query)).map((e) => e.seq);

      expect(await seqs({ after: 4 })).toEqual([5, 6, 7]);
      expect(await seqs({ tenant: 'acme' })).toEqual([1, 2, 4, 5, 7]);
      expect(await seqs({ tenant: 'globex' })).toEqual([3, 6]);
      expect(await seqs({ types: ['state.update'] })).toEqual([2, 3, 5, 7]);
      expect(await seqs({ types: ['alarm.raised', 'twin.create'] })).toEqual([1, 4]);
      expect(await seqs({ types: [] })).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(await seqs({ twinId: 'b' })).toEqual([3, 4, 5]);
      expect(await seqs({ since: T0 + 5000 })).toEqual([5, 6, 7]);
      expect(await seqs({ limit: 2 })).toEqual([1, 2]);
      const combined = { after: 1, tenant: 'acme', types: ['state.update'], twinId: 'a', since: T0, limit: 5 };
      expect(await seqs(combined)).toEqual([2, 7]);
      expect(await seqs({ after: 2, tenant: 'acme', limit: 2 })).toEqual([4, 5]);
    });

    it('reads newest first with descending: the latest matching events, paged down by before', async () => {
      await storage.events.append([
        eventFixture(1, { type: 'state.update', twinId: 'a' }),
        eventFixture(2, { type: 'alarm.raised', twinId: 'a' }),
        eventFixture(3, { type: 'state.update', twinId: 'b', tenant: 'globex' }),
        eventFixture(4, { type: 'state.update', twinId: 'b' }),
        eventFixture(5, { type: 'state.update', twinId: 'a' }),
        eventFixture(6, { type: 'alarm.raised', twinId: 'b' }),
      ]);
      const seqs = async (query: Parameters<Storage['events']['read']>[0]): Promise<number[]> =>
        (await storage.events.read(query)).map((e) => e.seq);

      expect(await seqs({ descending: true })).toEqual([6, 5, 4, 3, 2, 1]);
      expect(await seqs({ descending: true, limit: 2 })).toEqual([6, 5]);
      expect(await seqs({ descending: true, limit: 2, before: 5 })).toEqual([4, 3]);
      expect(await seqs({ descending: true, before: 3 })).toEqual([2, 1]);
      expect(await seqs({ descending: true, after: 2, before: 6 })).toEqual([5, 4, 3]);
      expect(await seqs({ descending: true, tenant: 'acme', types: ['state.update'], limit: 2 })).toEqual([5, 4]);
      expect(await seqs({ descending: true, twinId: 'a', since: T0 + 2000 })).toEqual([5, 2]);
      expect(await seqs({ descending: true, before: 1 })).toEqual([]);
      // before bounds an ascending read too, and descending: false is the default order.
      expect(await seqs({ before: 4, descending: false })).toEqual([1, 2, 3]);
    });

    it('reads 100 events unless told otherwise', async () => {
      await storage.events.append(Array.from({ length: 150 }, (_, i) => eventFixture(i + 1)));
      const page = await storage.events.read({});
      expect(page).toHaveLength(100);
      expect(page[99]?.seq).toBe(100);
      expect(await storage.events.lastSeq()).toBe(150);
    });
  });

  describe('documents', () => documentStoreContract(() => storage));

  describe('record log', () => recordLogContract(() => storage));

  describe('lifecycle', () => {
    it('answers ping while open, and rejects once closed; close can be called again', async () => {
      expect(storage.kind).not.toBe('');
      await expect(storage.ping()).resolves.toBeUndefined();
      await storage.close();
      await storage.close();
      await expectCode(storage.ping(), ErrorCode.StoreFailure);
      await expectCode(storage.twins.getTwin('acme', 'x'), ErrorCode.StoreFailure);
      await expectCode(storage.documents.get('c', 'acme', 'x'), ErrorCode.StoreFailure);
      await expectCode(storage.documents.put('c', 'acme', 'x', {}), ErrorCode.StoreFailure);
      const entry = { stream: 's', tenant: 'acme', key: 'k', time: 1, data: {} };
      await expectCode(storage.records.append([entry]), ErrorCode.StoreFailure);
      await expectCode(storage.records.read({ stream: 's', tenant: 'acme' }), ErrorCode.StoreFailure);
    });

    it('closes together: closing one of the stores closes the storage', async () => {
      await storage.events.close();
      await expectCode(storage.ping(), ErrorCode.StoreFailure);
    });
  });
}
