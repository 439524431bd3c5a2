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
