import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../web/src/api/api-client.ts';
import { ApiError } from '../../web/src/api/api-error.ts';

interface Call { url: string; headers: Record<string, string> }

function scripted(status: number, body: unknown) {
  const calls: Call[] = [];
  const fetch = (async (input: string, init?: { headers?: Record<string, string> }) => {
    calls.push({ url: String(input), headers: init?.headers ?? {} });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('api client', () => {
  it('sends the token as a bearer header and the tenant as X-Tenant', async () => {
    const s = scripted(200, { items: [] });
    await createApiClient({ fetch: s.fetch, token: 't0k', tenant: 'acme' }).listTwins({ limit: 500 });
    expect(s.calls[0]).toEqual({
      url: '/api/registry/twins?limit=500',
      headers: { Accept: 'application/json', Authorization: 'Bearer t0k', 'X-Tenant': 'acme' },
    });
  });

  it('puts the token and tenant on the stream URL, where EventSource cannot send headers', () => {
    const api = createApiClient({ fetch: scripted(200, {}).fetch, token: 'a b', tenant: 'acme' });
    expect(api.streamUrl({ types: ['telemetry', 'twin.create'] })).toBe('/api/portal/stream?tenant=acme&types=telemetry%2Ctwin.create&access_token=a+b');
  });

  it('asks for history with ISO times, a bucket width and escaped ids', async () => {
    const s = scripted(200, { twinId: 'a:b', series: {} });
    await createApiClient({ fetch: s.fetch }).telemetry('a:b', {
      from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-01-01T00:10:00Z'), fields: ['t', 'h'], everyMs: 10_000, agg: 'avg', limit: 122,
    });
    expect(s.calls[0]?.url).toBe('/api/twins/a%3Ab/telemetry?from=2024-01-01T00%3A00%3A00.000Z&to=2024-01-01T00%3A10%3A00.000Z&fields=t%2Ch&every=10s&agg=avg&limit=122');
  });

  it('reads readyz 503 as an answer, not a failure', async () => {
    const body = { status: 'not_ready', components: { broker: 'up', store: 'starting', registry: 'down' } };
    expect(await createApiClient({ fetch: scripted(503, body).fetch }).readyz()).toEqual(body);
  });

  it('turns the error envelope into an ApiError and reports 401 once to the shell', async () => {
    let unauthorized = 0;
    const api = createApiClient({ fetch: scripted(401, { error: { code: 'unauthorized', message: 'no token' } }).fetch, onUnauthorized: () => unauthorized++ });
    const err = await api.getTwin('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'unauthorized', status: 401, message: 'no token' });
    expect(unauthorized).toBe(1);
  });

  it('wraps a network failure with its cause', async () => {
    const boom = new TypeError('fetch failed');
    const api = createApiClient({ fetch: (async () => { throw boom; }) as unknown as typeof fetch });
    const err = (await api.metrics().catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('network_error');
    expect(err.cause).toBe(boom);
  });
});
