import { randomUUID } from 'node:crypto';
import { LIVE_ONLY_TYPES, type NewEvent, type TwinEvent } from '../core/types.ts';
import type { Clock, EventLog, Logger } from '../ports.ts';
import { BatchWriter } from './batch-writer.ts';

export interface EventFilter {
  tenant?: string;
  types?: ReadonlySet<string>;
  twinId?: string;
}

export interface EventBusOptions {
  log: EventLog;
  clock: Clock;
  logger: Logger;
  /** Recent events kept in memory for resuming subscribers, live-only ones included. @default 20000 */
  ringSize?: number;
  /** A subscriber that falls this far behind is ended; it resumes from its last seq. @default 50000 */
  maxQueue?: number;
  onPublish?: (event: TwinEvent) => void;
  onWrite?: (info: { items: number; seconds: number; ok: boolean }) => void;
}

export function matches(filter: EventFilter, event: TwinEvent): boolean {
  return (
    (filter.tenant === undefined || filter.tenant === event.tenant) &&
    (filter.types === undefined || filter.types.has(event.type)) &&
    (filter.twinId === undefined || filter.twinId === event.twinId)
  );
}

/**
 * The engine's event stream: gives each event its `seq`, hands it to live subscribers, keeps the recent ones in a
 * ring for resumption, and writes the durable types to the event log by group commit.
 *
 * `seq` is `max(previous + 1, now_ms × 1000)`: strictly increasing within a run and, because it follows the clock,
 * across restarts too, even for live-only events that never reach the log. A subscriber holding a seq from before a
 * restart therefore never skips new events.
 */
export class EventBus {
  readonly #options: EventBusOptions;
  readonly #writer: BatchWriter<TwinEvent>;
  readonly #ring: (TwinEvent | undefined)[];
  #ringHead = 0;
  #ringCount = 0;
  /** Greatest seq that has left the ring; older events can only be replayed from the log. */
  #evictedUpTo = 0;
  #lastSeq = 0;
  readonly #subscribers = new Set<Subscription>();

  constructor(options: EventBusOptions) {
    this.#options = options;
    this.#ring = new Array<TwinEvent | undefined>(options.ringSize ?? 20_000);
    this.#writer = new BatchWriter<TwinEvent>({
      write: (events) => options.log.append(events),
      clock: options.clock,
      logger: options.logger.child({ component: 'event-log' }),
      maxItems: 1000,
      maxDelayMs: 5,
      ...(options.onWrite === undefined ? {} : { onWrite: options.onWrite }),
    });
  }

  async start(): Promise<void> {
    this.#lastSeq = Math.max(this.#lastSeq, await this.#options.log.lastSeq());
    this.#evictedUpTo = this.#lastSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  publish(input: NewEvent): TwinEvent {
    const seq = Math.max(this.#lastSeq + 1, this.#options.clock.now() * 1000);
    this.#lastSeq = seq;
    // Node builds a UUID by concatenation, a rope of some 300 bytes in V8; the ring keeps 20 000 of them. The UUID is
    // already lower case, so `toLowerCase` changes nothing but returns it as one flat 48-byte string (DESIGN §9).
    const event: TwinEvent = { seq, id: randomUUID().toLowerCase(), ...input };
    this.#remember(event);
    if (!LIVE_ONLY_TYPES.has(event.type)) this.#writer.add([event]);
    this.#options.onPublish?.(event);
    for (const sub of this.#subscribers) sub.offer(event);
    return event;
  }

  /**
   * Live events matching the filter. With `after`, first every matching event with a greater seq: from the ring
   * when it still holds them, else from the log (durable types only) and then the ring.
   */
  subscribe(filter: EventFilter, after?: number): Subscription {
    const sub = new Subscription(filter, this.#options.maxQueue ?? 50_000, (s) => this.#subscribers.delete(s));
    this.#subscribers.add(sub);
    if (after !== undefined && after < this.#lastSeq) {
      const fromRing = this.#ringAfter(after).filter((e) => matches(filter, e));
      if (after >= this.#evictedUpTo) {
        sub.prepend(fromRing);
      } else {
        sub.hold();
        void this.#replayFromLog(sub, filter, after, this.#evictedUpTo, fromRing);
      }
    }
    return sub;
  }

  /** Recent events, newest last (for listings of live-only types). */
  recent(filter: EventFilter, limit: number): TwinEvent[] {
    return this.#ringAfter(0).filter((e) => matches(filter, e)).slice(-limit);
  }

  /** Resolves when every durable event published so far is in the log. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async close(): Promise<void> {
    for (const sub of [...this.#subscribers]) sub.close();
    await this.#writer.close();
  }

  async #replayFromLog(sub: Subscription, filter: EventFilter, after: number, upTo: number, fromRing: TwinEvent[]) {
    try {
      await this.#writer.flush();
      const replay: TwinEvent[] = [];
      let cursor = after;
      for (;;) {
        const page = await this.#options.log.read({
          after: cursor,
          ...(filter.tenant === undefined ? {} : { tenant: filter.tenant }),
          ...(filter.types === undefined ? {} : { types: [...filter.types] }),
          ...(filter.twinId === undefined ? {} : { twinId: filter.twinId }),
          limit: 1000,
        });
        const inRange = page.filter((e) => e.seq <= upTo);
        replay.push(...inRange);
        if (page.length < 1000 || inRange.length < page.length) break;
        cursor = page[page.length - 1]!.seq;
      }
      sub.release([...replay, ...fromRing]);
    } catch (err) {
      this.#options.logger.error({ err }, 'replaying events from the log failed');
      sub.close();
    }
  }

  #remember(event: TwinEvent): void {
    const size = this.#ring.length;
    const slot = (this.#ringHead + this.#ringCount) % size;
    if (this.#ringCount === size) {
      this.#evictedUpTo = this.#ring[slot]!.seq;
      this.#ringHead = (this.#ringHead + 1) % size;
    } else {
      this.#ringCount++;
    }
    this.#ring[slot] = event;
  }

  #ringAfter(after: number): TwinEvent[] {
    const size = this.#ring.length;
    const out: TwinEvent[] = [];
    for (let i = 0; i < this.#ringCount; i++) {
      const event = this.#ring[(this.#ringHead + i) % size]!;
      if (event.seq > after) out.push(event);
    }
    return out;
  }
}

/** One subscriber's view of the bus: an async iterable that ends when closed or when it falls too far behind. */
export class Subscription implements AsyncIterable<TwinEvent> {
  readonly #filter: EventFilter;
  readonly #maxQueue: number;
  readonly #onClose: (sub: Subscription) => void;
  #queue: TwinEvent[] = [];
  #held: TwinEvent[] | undefined;
  #lastDelivered = 0;
  #wake: (() => void) | undefined;
  #closed = false;
  /** True when the subscription ended because the consumer could not keep up. */
  overflowed = false;

  constructor(filter: EventFilter, maxQueue: number, onClose: (sub: Subscription) => void) {
    this.#filter = filter;
    this.#maxQueue = maxQueue;
    this.#onClose = onClose;
  }

  offer(event: TwinEvent): void {
    if (this.#closed || !matches(this.#filter, event)) return;
    if (this.#held !== undefined) {
      this.#held.push(event);
    } else {
      this.#queue.push(event);
    }
    if (this.#queue.length + (this.#held?.length ?? 0) > this.#maxQueue) {
      this.overflowed = true;
      this.close();
      return;
    }
    this.#signal();
  }

  prepend(events: TwinEvent[]): void {
    this.#queue = [...events, ...this.#queue];
    this.#signal();
  }

  hold(): void {
    this.#held = [];
  }

  release(replay: TwinEvent[]): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    const last = replay.length > 0 ? replay[replay.length - 1]!.seq : 0;
    this.#queue.push(...replay, ...held.filter((e) => e.seq > last));
    this.#signal();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    this.#signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TwinEvent> {
    try {
      for (;;) {
        if (this.#queue.length > 0 && this.#held === undefined) {
          const batch = this.#queue;
          this.#queue = [];
          for (const event of batch) {
            if (event.seq <= this.#lastDelivered) continue;
            this.#lastDelivered = event.seq;
            yield event;
          }
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
