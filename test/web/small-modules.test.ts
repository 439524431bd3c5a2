import { describe, expect, it } from 'vitest';
import { summarizeMetrics } from '../../web/src/api/metrics-summary.ts';
import type { PromMetric } from '../../web/src/api/types.ts';
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
    expect(parseRoute('#/workflows')).toEqual({ page: 'not-found', path: '/workflows' });
    expect(parseRoute('#/twins/%E0%A4%A')).toEqual({ page: 'not-found', path: '/twins/%E0%A4%A' });
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
