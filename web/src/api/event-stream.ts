import type { PortalEvent } from './types.ts';

/** `EventSource.readyState` values (WHATWG HTML §9.2). */
export const SourceState = { Connecting: 0, Open: 1, Closed: 2 } as const;

/** The part of `EventSource` the stream uses, so tests can drive a scripted one. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (ev: { readonly data?: unknown }) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

export const StreamStatus = {
  Connecting: 'connecting',
  Open: 'open',
  /** The connection dropped; the browser (or our own timer) is trying again. */
  Reconnecting: 'reconnecting',
  Closed: 'closed',
} as const;
export type StreamStatus = typeof StreamStatus[keyof typeof StreamStatus];

export interface StreamState {
  readonly status: StreamStatus;
  /** When our own retry fires (epoch ms); absent while the browser retries by itself. */
  readonly retryAt?: number;
  /** The last `id:` seen, which is the event `seq`. */
  readonly lastSeq?: number;
}

/** Delays between our own reconnects after the browser gives up (HTTP error, wrong content type). */
export interface ReconnectPolicy {
  readonly delaysMs: readonly number[];
  /** Spread each delay by ±jitter × delay so many dashboards do not reconnect in lock-step. */
  readonly jitter: number;
}

export const defaultReconnectPolicy: ReconnectPolicy = { delaysMs: [1000, 2000, 5000, 10_000, 30_000], jitter: 0.2 };

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventStreamOptions {
  readonly url: string;
  readonly types: readonly string[];
  readonly createSource: EventSourceFactory;
  readonly timers: Timers;
  readonly random?: () => number;
  /** @default defaultReconnectPolicy */
  readonly reconnect?: ReconnectPolicy;
  readonly onEvent: (event: PortalEvent) => void;
  readonly onState: (state: StreamState) => void;
  /**
   * Called when a new connection had to be made by us. It asks for `?lastEventId=` so the server replays what
   * was missed, but the caller should still reload its snapshot: the gap may be older than the server keeps.
   */
  readonly onResync: () => void;
  /** A frame that is not a JSON event; reported, never dropped silently. */
  readonly onError: (err: Error) => void;
}

export interface EventStream {
  readonly state: StreamState;
  close(): void;
}

export function withLastEventId(url: string, seq: number): string {
  const [path = '', query = ''] = url.split('?', 2) as [string?, string?];
  const qs = new URLSearchParams(query);
  qs.set('lastEventId', String(seq));
  return `${path}?${qs.toString()}`;
}

export function retryDelay(policy: ReconnectPolicy, attempt: number, random: () => number): number {
  const base = policy.delaysMs[Math.min(attempt, policy.delaysMs.length - 1)] ?? 1000;
  return Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
}

/**
 * Keeps one `EventSource` open. While the browser retries on its own it resumes with `Last-Event-ID`;
 * when it gives up (readyState CLOSED) we open a new one after a backoff and ask for a resync.
 */
export function createEventStream(opts: EventStreamOptions): EventStream {
  const policy = opts.reconnect ?? defaultReconnectPolicy;
  const random = opts.random ?? Math.random;
  let state: StreamState = { status: StreamStatus.Connecting };
  let source: EventSourceLike | undefined;
  let timer: unknown;
  let attempt = 0;
  let closed = false;

  const setState = (next: StreamState): void => {
    state = next;
    opts.onState(state);
  };

  const onMessage = (ev: { readonly data?: unknown }): void => {
    if (typeof ev.data !== 'string') return;
    let event: PortalEvent;
    try {
      event = JSON.parse(ev.data) as PortalEvent;
    } catch (err) {
      opts.onError(new Error('event stream frame is not JSON', { cause: err }));
      return;
    }
    if (typeof event.seq === 'number' && event.seq !== state.lastSeq) state = { ...state, lastSeq: event.seq };
    opts.onEvent(event);
  };

  const open = (isRetry: boolean): void => {
    // A new EventSource cannot send Last-Event-ID; the server takes the same position as `?lastEventId=`.
    const url = isRetry && state.lastSeq !== undefined ? withLastEventId(opts.url, state.lastSeq) : opts.url;
    const es = opts.createSource(url);
    source = es;
    es.addEventListener('open', () => {
      if (es !== source) return;
      attempt = 0;
      setState({ status: StreamStatus.Open, lastSeq: state.lastSeq });
      if (isRetry) {
        isRetry = false;
        opts.onResync();
      }
    });
    es.addEventListener('error', () => {
      if (es !== source || closed) return;
      if (es.readyState !== SourceState.Closed) {
        setState({ status: StreamStatus.Reconnecting, lastSeq: state.lastSeq });
        return;
      }
      es.close();
      const delay = retryDelay(policy, attempt++, random);
      setState({ status: StreamStatus.Reconnecting, retryAt: opts.timers.now() + delay, lastSeq: state.lastSeq });
      timer = opts.timers.setTimeout(() => {
        timer = undefined;
        if (!closed) open(true);
      }, delay);
    });
    for (const type of opts.types) es.addEventListener(type, onMessage);
  };

  open(false);
  opts.onState(state);

  return {
    get state() {
      return state;
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) opts.timers.clearTimeout(timer);
      source?.close();
      setState({ status: StreamStatus.Closed, lastSeq: state.lastSeq });
    },
  };
}
