import { ApiError, ClientErrorCode, errorFromResponse, isAbortError } from './api-error.ts';
import type {
  LatestTelemetry,
  Page,
  PortalEventType,
  PromMetric,
  Readiness,
  TelemetryQuery,
  TelemetrySeries,
  Twin,
} from './types.ts';
import { formatDuration } from '../lib/duration.ts';

export interface ApiClientOptions {
  /** Injected so tests can script responses; the browser passes `window.fetch` bound to window. */
  readonly fetch: typeof fetch;
  /** Origin and path prefix of the server. @default '' (same origin) */
  readonly baseUrl?: string;
  /** Sent as `Authorization: Bearer` and, on the event stream, as `access_token`. */
  readonly token?: string;
  /** Sent as `X-Tenant` and, on the event stream, as `tenant`; the server defaults to `default`. */
  readonly tenant?: string;
  /** Called on every 401, so the shell can ask for a token once instead of each view on its own. */
  readonly onUnauthorized?: (err: ApiError) => void;
}

export interface StreamQuery {
  readonly types?: readonly PortalEventType[];
  readonly twin?: string;
}

export interface ApiClient {
  readyz(signal?: AbortSignal): Promise<Readiness>;
  metrics(signal?: AbortSignal): Promise<PromMetric[]>;
  listTwins(query: { limit?: number; cursor?: string }, signal?: AbortSignal): Promise<Page<Twin>>;
  getTwin(id: string, signal?: AbortSignal): Promise<Twin>;
  latestTelemetry(twinId: string, signal?: AbortSignal): Promise<LatestTelemetry>;
  telemetry(twinId: string, query: TelemetryQuery, signal?: AbortSignal): Promise<TelemetrySeries>;
  /** The SSE URL; `EventSource` cannot send headers, so the token travels as `access_token`. */
  streamUrl(query: StreamQuery): string;
  /**
   * Any JSON call, for the pages whose routes land over time (state, commands, workflows, simulation).
   * A route the server does not have fails with an ApiError for which `isRouteMissing` holds.
   */
  send<T = unknown>(method: HttpMethod, path: string, opts?: SendOptions): Promise<T>;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface SendOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** Marks an answer that came from the dashboard's own `index.html` fallback instead of an API route. */
export const ROUTE_MISSING = 'route_missing';

/**
 * True when the server has no such route (the feature has not landed), as opposed to a missing resource:
 * the server's not-found handler says `no route METHOD PATH`; a GET outside `/api/` falls back to index.html.
 */
export function isRouteMissing(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.code === ROUTE_MISSING) return true;
  return (err.status === 404 || err.status === 405 || err.status === 501) && /\bno route\b|\broute\b.*not found/i.test(err.message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expect<T>(ok: boolean, body: unknown, what: string): T {
  if (!ok) throw new ApiError(ClientErrorCode.BadResponse, `unexpected response shape for ${what}`, { details: body });
  return body as T;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const base = (opts.baseUrl ?? '').replace(/\/$/, '');

  const url = (path: string, params: Record<string, string | undefined> = {}): string => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, v);
    const s = qs.toString();
    return `${base}${path}${s ? `?${s}` : ''}`;
  };

  /** `accept` lists the non-2xx statuses whose JSON body is still the answer (readyz's 503). */
  async function request(path: string, params: Record<string, string | undefined>, signal?: AbortSignal, accept: readonly number[] = []): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.tenant) headers['X-Tenant'] = opts.tenant;
    let res: Response;
    try {
      res = await opts.fetch(url(path, params), { headers, signal });
    } catch (err) {
      if (isAbortError(err)) throw err;
      throw new ApiError(ClientErrorCode.Network, `cannot reach the server (${path})`, { cause: err });
    }
    if (!res.ok && !accept.includes(res.status)) {
      const err = await errorFromResponse(res);
      if (res.status === 401) opts.onUnauthorized?.(err);
      throw err;
    }
    try {
      return await res.json();
    } catch (err) {
      throw new ApiError(ClientErrorCode.BadResponse, `response of ${path} is not JSON`, { status: res.status, cause: err });
    }
  }

  const twinPath = (id: string): string => encodeURIComponent(id);

  async function send(method: HttpMethod, path: string, o: SendOptions = {}): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.tenant) headers['X-Tenant'] = opts.tenant;
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await opts.fetch(url(path, o.query ?? {}), {
        method,
        headers,
        signal: o.signal,
        ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      });
    } catch (err) {
      if (isAbortError(err)) throw err;
      throw new ApiError(ClientErrorCode.Network, `cannot reach the server (${method} ${path})`, { cause: err });
    }
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (res.status === 401) opts.onUnauthorized?.(err);
      throw err;
    }
    if (res.status === 204) return undefined;
    if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      throw new ApiError(ROUTE_MISSING, `no route ${method} ${path} (the server answered with the dashboard page)`, { status: 404 });
    }
    const text = await res.text();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ApiError(ClientErrorCode.BadResponse, `response of ${method} ${path} is not JSON`, { status: res.status, cause: err });
    }
  }

  return {
    async readyz(signal) {
      const body = await request('/readyz', {}, signal, [503]);
      return expect<Readiness>(isObject(body) && isObject(body.components), body, 'GET /readyz');
    },

    async metrics(signal) {
      const body = await request('/metrics', {}, signal);
      return expect<PromMetric[]>(Array.isArray(body), body, 'GET /metrics');
    },

    async listTwins(query, signal) {
      const body = await request('/api/registry/twins', {
        limit: query.limit === undefined ? undefined : String(query.limit),
        cursor: query.cursor,
      }, signal);
      return expect<Page<Twin>>(isObject(body) && Array.isArray(body.items), body, 'GET /api/registry/twins');
    },

    async getTwin(id, signal) {
      const body = await request(`/api/registry/twins/${twinPath(id)}`, {}, signal);
      return expect<Twin>(isObject(body) && typeof body.id === 'string', body, 'GET /api/registry/twins/{id}');
    },

    async latestTelemetry(twinId, signal) {
      const body = await request(`/api/twins/${twinPath(twinId)}/telemetry/latest`, {}, signal);
      return expect<LatestTelemetry>(isObject(body) && isObject(body.values), body, 'GET /api/twins/{id}/telemetry/latest');
    },

    async telemetry(twinId, q, signal) {
      const body = await request(`/api/twins/${twinPath(twinId)}/telemetry`, {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        fields: q.fields?.join(','),
        every: q.everyMs === undefined ? undefined : formatDuration(q.everyMs),
        agg: q.agg,
        limit: q.limit === undefined ? undefined : String(q.limit),
      }, signal);
      return expect<TelemetrySeries>(isObject(body) && isObject(body.series), body, 'GET /api/twins/{id}/telemetry');
    },

    send: send as ApiClient['send'],

    streamUrl(q) {
      return url('/api/portal/stream', {
        tenant: opts.tenant,
        types: q.types?.join(','),
        twin: q.twin,
        access_token: opts.token,
      });
    },
  };
}
