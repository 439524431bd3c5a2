import { describe, expect, it } from 'vitest';
import { createEventStream, type EventSourceLike, SourceState, type StreamState, StreamStatus } from '../../web/src/api/event-stream.ts';
import type { PortalEvent } from '../../web/src/api/types.ts';

/** A scripted EventSource: the test fires open, error and messages by hand. */
class FakeSource implements EventSourceLike {
  readyState: number = SourceState.Connecting;
  closed = false;
  readonly listeners = new Map<string, ((ev: { data?: unknown }) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: { data?: unknown }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close(): void {
    this.closed = true;
    this.readyState = SourceState.Closed;
  }
  fire(type: string, data?: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
}

function harness() {
  const sources: FakeSource[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const states: StreamState[] = [];
  const events: PortalEvent[] = [];
  const errors: Error[] = [];
  let resyncs = 0;
  const stream = createEventStream({
    url: '/api/portal/stream?types=telemetry',
    types: ['telemetry'],
    createSource: (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    },
    timers: { now: () => 1000, setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => {} },
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onResync: () => resyncs++,
    onError: (e) => errors.push(e),
  });
  return { stream, sources, timers, states, events, errors, resyncs: () => resyncs };
}

describe('event stream', () => {
  it('goes live on open and hands on parsed events', () => {
    const h = harness();
    const s = h.sources[0] as FakeSource;
    s.readyState = SourceState.Open;
    s.fire('open');
    s.fire('telemetry', JSON.stringify({ seq: 7, id: 'e7', type: 'telemetry', tenant: 'default', time: 'x', data: { readings: [] } }));
    expect(h.stream.state).toEqual({ status: StreamStatus.Open, lastSeq: 7 });
    expect(h.events.map((e) => e.seq)).toEqual([7]);
  });

  it('reports a frame that is not JSON instead of dropping it silently', () => {
    const h = harness();
    (h.sources[0] as FakeSource).fire('telemetry', '{nope');
    expect(h.errors).toHaveLength(1);
  });

  it('shows reconnecting while the browser retries by itself, without a resync', () => {
    const h = harness();
    const s = h.sources[0] as FakeSource;
    s.fire('open');
    s.readyState = SourceState.Connecting;
    s.fire('error');
    expect(h.stream.state.status).toBe(StreamStatus.Reconnecting);
    expect(h.stream.state.retryAt).toBeUndefined();
    s.fire('open');
    expect(h.stream.state.status).toBe(StreamStatus.Open);
    expect(h.sources).toHaveLength(1);
    expect(h.resyncs()).toBe(0);
  });

  it('when the browser gives up, opens a new source after the backoff and asks for a resync', () => {
    const h = harness();
    const first = h.sources[0] as FakeSource;
    first.readyState = SourceState.Closed;
    first.fire('error');
    expect(h.stream.state).toMatchObject({ status: StreamStatus.Reconnecting, retryAt: 2000 });
    expect(h.timers.map((t) => t.ms)).toEqual([1000]);
    h.timers[0]?.fn();
    const second = h.sources[1] as FakeSource;
    second.fire('open');
    expect(h.resyncs()).toBe(1);
    expect(h.stream.state.status).toBe(StreamStatus.Open);
  });

  it('asks the new source to resume after the last event seen (?lastEventId=)', () => {
    const h = harness();
    const first = h.sources[0] as FakeSource;
    first.fire('open');
    first.fire('telemetry', JSON.stringify({ seq: 41, id: 'e41', type: 'telemetry', tenant: 'default', time: 'x', data: { readings: [] } }));
    first.readyState = SourceState.Closed;
    first.fire('error');
    h.timers[0]?.fn();
    expect((h.sources[1] as FakeSource).url).toBe('/api/portal/stream?types=telemetry&lastEventId=41');
  });

  it('backs off further on each failed attempt', () => {
    const h = harness();
    for (let i = 0; i < 3; i++) {
      const s = h.sources[i] as FakeSource;
      s.readyState = SourceState.Closed;
      s.fire('error');
      h.timers[i]?.fn();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000, 5000]);
  });

  it('closes the source on close()', () => {
    const h = harness();
    h.stream.close();
    expect((h.sources[0] as FakeSource).closed).toBe(true);
    expect(h.states.at(-1)?.status).toBe(StreamStatus.Closed);
  });
});
