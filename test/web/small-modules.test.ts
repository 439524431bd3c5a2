import { describe, expect, it } from 'vitest';
import { summarizeMetrics } from '../../web/src/api/metrics-summary.ts';
import type { PortalEvent, PromMetric, Twin } from '../../web/src/api/types.ts';
import { isRouteMissing } from '../../web/src/api/api-client.ts';
import { ApiError } from '../../web/src/api/api-error.ts';
import { applyTwinFilters, filterChoices } from '../../web/src/lib/filter-twins.ts';
import { numericColumn, toTable } from '../../web/src/lib/tabular.ts';
import { type Alarm, applyAlarmEvent } from '../../web/src/state/alarms.ts';
import { type CommandSpec, coerceParams, commandsOf, findModel } from '../../web/src/state/model-commands.ts';
import { captureToken, TOKEN_KEY } from '../../web/src/lib/auth-token.ts';
import { formatDuration } from '../../web/src/lib/duration.ts';
import { formatNumber, formatRelative } from '../../web/src/lib/format.ts';
import { formatRoute, parseRoute } from '../../web/src/lib/route.ts';
import { createLimiter } from '../../web/src/state/limiter.ts';

const metric = (name: string, values: [Record<string, string>, number][], type = 'counter'): PromMetric => ({
  name, type, help: '', values: values.map(([labels, value]) => ({ labels, value })),
});

describe('summarizeMetrics', () => {
  it('reads the gauge and sums rejected over reasons', () => {
    const s = summarizeMetrics([
      metric('twinflow_ingest_rate_per_second', [[{}, 120]], 'gauge'),
      metric('twinflow_ingest_rejected_total', [[{ reason: 'schema' }, 3], [{ reason: 'unknown_twin' }, 2]]),
    ], 0);
    expect(s).toMatchObject({ ingestRate: 120, rejectedTotal: 5 });
  });

  it('derives the rate from the counter when there is no gauge, and not across a restart', () => {
    const m = (n: number) => [metric('twinflow_ingest_messages_total', [[{}, n]])];
    const a = summarizeMetrics(m(1000), 0);
    expect(a.ingestRate).toBeUndefined();
    expect(summarizeMetrics(m(1500), 5000, a.sample).ingestRate).toBe(100);
    expect(summarizeMetrics(m(10), 5000, a.sample).ingestRate).toBeUndefined();
  });

  it('leaves out what the server does not export', () => {
    expect(summarizeMetrics([], 0)).toMatchObject({ ingestRate: undefined, rejectedTotal: undefined, sseClients: undefined });
  });
});

describe('routes', () => {
  it('round-trips ids with reserved characters', () => {
    const id = 'plant:boiler.1/a b';
    expect(parseRoute(formatRoute({ page: 'twin', id }))).toEqual({ page: 'twin', id });
  });

  it('parses the overview with its filter, and anything else as not found', () => {
    expect(parseRoute('')).toEqual({ page: 'overview', q: '' });
    expect(parseRoute('#/?q=pump%207')).toEqual({ page: 'overview', q: 'pump 7' });
    expect(formatRoute({ page: 'overview', q: 'pump 7' })).toBe('#/?q=pump+7');
    expect(parseRoute('#/flows')).toEqual({ page: 'not-found', path: '/flows' });
    expect(parseRoute('#/twins/%E0%A4%A')).toEqual({ page: 'not-found', path: '/twins/%E0%A4%A' });
  });

  it('keeps every page state in the URL: overview pickers, twin range, simulation session, event filters', () => {
    const routes = [
      { page: 'overview', q: 'pump', model: 'chiller', group: 'hvac', status: 'active', dim: 'floor=2' },
      { page: 'twin', id: 'motor-001', range: '6h' },
      { page: 'workflows' },
      { page: 'simulations', session: 'abc-123' },
      { page: 'events', types: 'twin.update,command.status', twin: 'lift:1' },
    ] as const;
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
    expect(formatRoute({ page: 'overview', q: '', model: 'chiller' })).toBe('#/?model=chiller');
  });
});

describe('captureToken', () => {
  const storage = () => {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
  };

  it('moves ?token= into session storage and out of the URL, keeping other parameters', () => {
    const s = storage();
    expect(captureToken('?tenant=acme&token=abc', s)).toEqual({ token: 'abc', search: '?tenant=acme', changed: true });
    expect(s.m.get(TOKEN_KEY)).toBe('abc');
    expect(captureToken('?tenant=acme', s)).toEqual({ token: 'abc', search: '?tenant=acme', changed: false });
  });

  it('has no token when none was given', () => {
    expect(captureToken('', storage()).token).toBeUndefined();
  });
});

describe('formatting', () => {
  it('writes relative times compactly', () => {
    expect(formatRelative(0, 2000)).toBe('just now');
    expect(formatRelative(0, 12_000)).toBe('12 s ago');
    expect(formatRelative(0, 3 * 60_000)).toBe('3 min ago');
    expect(formatRelative(0, 2 * 3_600_000)).toBe('2 h ago');
    expect(formatRelative(10_000, 0)).toBe('just now');
  });

  it('uses fewer decimals for bigger numbers', () => {
    expect(formatNumber(21.456)).toBe('21.46');
    expect(formatNumber(0.011734)).toBe('0.0117');
    expect(formatNumber(145.26)).toBe('145.3');
  });

  it('formats bucket widths the way the API takes them', () => {
    expect([formatDuration(1000), formatDuration(10_000), formatDuration(300_000), formatDuration(250)]).toEqual(['1s', '10s', '5m', '250ms']);
  });
});

describe('limiter', () => {
  it('runs at most n tasks at once and lets urgent ones go first', async () => {
    const limiter = createLimiter(1);
    const order: string[] = [];
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const normal = limiter.run(async () => void order.push('normal'));
    const urgent = limiter.run(async () => void order.push('urgent'), { urgent: true });
    release();
    await Promise.all([first, normal, urgent]);
    expect(order).toEqual(['first', 'urgent', 'normal']);
  });
});

describe('overview filters', () => {
  const twin = (id: string, extra: Partial<Twin> = {}): Twin => ({
    tenant: 'default', id, name: id, metadata: {}, interfaces: {}, dependencies: {}, relationships: [], groups: [], dimensions: {},
    blocks: [], status: 'active', version: 1, createdAt: '', updatedAt: '', ...extra,
  });
  const twins = [
    twin('ahu-1', { model: 'ahu', groups: ['hvac'], dimensions: { floor: '1' } }),
    twin('ahu-2', { model: 'ahu', groups: ['hvac'], dimensions: { floor: '2' }, status: 'deprecated' }),
    twin('pump-7', { model: 'pump', groups: ['plant'], dimensions: { floor: 2 } }),
  ];

  it('combines model, group, status, dimension and the search words', () => {
    expect(applyTwinFilters(twins, { q: '', model: 'ahu' }).map((t) => t.id)).toEqual(['ahu-1', 'ahu-2']);
    expect(applyTwinFilters(twins, { q: '', dim: 'floor=2' }).map((t) => t.id)).toEqual(['ahu-2', 'pump-7']);
    expect(applyTwinFilters(twins, { q: 'ahu', status: 'active' }).map((t) => t.id)).toEqual(['ahu-1']);
    expect(applyTwinFilters(twins, { q: '', group: 'plant', model: 'ahu' })).toEqual([]);
  });

  it('offers the values the registry holds', () => {
    expect(filterChoices(twins)).toEqual({ models: ['ahu', 'pump'], groups: ['hvac', 'plant'], dims: ['floor=1', 'floor=2'] });
  });
});

describe('alarms', () => {
  const ev = (seq: number, type: string, data: Record<string, unknown>, twinId = 'pump-7'): PortalEvent =>
    ({ seq, id: `e${seq}`, type, tenant: 'default', twinId, time: '2026-01-01T00:00:00Z', data }) as PortalEvent;

  it('keeps an alarm from its raise to its clear, keyed by the alarm id', () => {
    let active: ReadonlyMap<string, Alarm> = new Map();
    active = applyAlarmEvent(active, ev(1, 'alarm.raised', { id: 'wf:hot:pump-7', pattern: 'hot', severity: 'critical' }));
    expect([...active.values()].map((a) => [a.key, a.name, a.severity, a.twinId])).toEqual([['wf:hot:pump-7', 'hot', 'critical', 'pump-7']]);
    const same = applyAlarmEvent(active, ev(2, 'telemetry', {}));
    expect(same).toBe(active);
    active = applyAlarmEvent(active, ev(3, 'alarm.cleared', { id: 'wf:hot:pump-7', status: 'cleared' }));
    expect(active.size).toBe(0);
  });

  it('drops the alarms of a deleted twin', () => {
    const active = applyAlarmEvent(new Map(), ev(1, 'alarm.raised', { id: 'a' }));
    expect(applyAlarmEvent(active, ev(2, 'twin.delete', { id: 'pump-7' })).size).toBe(0);
  });
});

describe('workflow answers as tables', () => {
  it('reads objects keyed by name, arrays and {items}', () => {
    expect(toTable({ filter: { in: 10, rate: 2.5 }, avg: { in: 4, rate: 1 } })).toEqual({
      columns: ['name', 'in', 'rate'],
      rows: [{ name: 'filter', in: 10, rate: 2.5 }, { name: 'avg', in: 4, rate: 1 }],
    });
    expect(toTable({ items: [{ group: 'b7', stats: { avg: 21 } }] })).toEqual({ columns: ['group', 'stats.avg'], rows: [{ group: 'b7', 'stats.avg': 21 }] });
    expect(numericColumn(toTable([{ k: 'a', v: 1 }, { k: 'b', v: 2 }]))).toBe('v');
  });
});

describe('model commands', () => {
  it('reads both compact forms and types the form values', () => {
    expect(commandsOf({ commands: ['stop'] })).toEqual([{ name: 'stop', params: [] }]);
    const [start] = commandsOf({ commands: { start: { params: { speed: { type: 'float', unit: 'rpm' }, mode: { type: 'enum', values: ['a', 'b'] }, force: 'bool' } } } });
    expect(start?.params.map((p) => p.name)).toEqual(['speed', 'mode', 'force']);
    expect(coerceParams(start as CommandSpec, { speed: '1200', mode: 'a', force: 'true' })).toEqual({ speed: 1200, mode: 'a', force: true });
    expect(findModel({ items: [{ name: 'pump', commands: [] }] }, 'pump')).toEqual({ name: 'pump', commands: [] });
  });
});

describe('routes that have not landed', () => {
  it('tells a missing route from a missing resource', () => {
    expect(isRouteMissing(new ApiError('not_found', 'no route GET /api/workflows', { status: 404 }))).toBe(true);
    expect(isRouteMissing(new ApiError('not_found', 'twin "x" has no state yet', { status: 404 }))).toBe(false);
    expect(isRouteMissing(new ApiError('route_missing', 'answered with index.html', { status: 404 }))).toBe(true);
  });
});
