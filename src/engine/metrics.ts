import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds over which `twinflow_ingest_rate_per_second` is averaged. */
const RATE_WINDOW_S = 10;

/**
 * The engine's Prometheus metrics, on a registry of its own (never the global one), so two engines in one
 * process — tests, benchmarks — do not mix their counts.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly ingestMessages: Counter<'transport'>;
  readonly ingestPoints: Counter;
  readonly ingestRejected: Counter<'reason'>;
  readonly ingestDuplicates: Counter;
  readonly storeBatchSeconds: Histogram<'store'>;
  readonly storeBatchRows: Histogram<'store'>;
  readonly storeFailures: Counter<'store'>;
  readonly storeBacklog: Gauge;
  readonly sseClients: Gauge;
  readonly events: Counter<'type'>;
  readonly twins: Gauge;
  readonly #rateBuckets = new Float64Array(RATE_WINDOW_S);
  #rateSecond = 0;

  constructor(options: {
    now: () => number;
    /** Rows waiting for the store, read at scrape time. */
    backlog: () => number;
    /** Live-stream subscribers, read at scrape time. */
    sseClients: () => number;
    collectProcess?: boolean;
  }) {
    const registers = [this.registry];
    this.ingestMessages = new Counter({
      name: 'twinflow_ingest_messages_total',
      help: 'Telemetry messages received, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.ingestPoints = new Counter({ name: 'twinflow_ingest_points_total', help: 'Telemetry points accepted', registers });
    this.ingestRejected = new Counter({
      name: 'twinflow_ingest_rejected_total',
      help: 'Messages or fields rejected at ingest, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.ingestDuplicates = new Counter({
      name: 'twinflow_ingest_duplicates_total',
      help: 'Redelivered messages dropped by msgId',
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'twinflow_ingest_rate_per_second',
      help: `Telemetry messages per second, averaged over the last ${RATE_WINDOW_S} s`,
      registers,
      collect(this: Gauge): void {
        this.set(metrics.ingestRate(options.now()));
      },
    });
    this.storeBatchSeconds = new Histogram({
      name: 'twinflow_store_batch_seconds',
      help: 'Time to write one batch durably',
      labelNames: ['store'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.storeBatchRows = new Histogram({
      name: 'twinflow_store_batch_rows',
      help: 'Rows per written batch',
      labelNames: ['store'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers,
    });
    this.storeFailures = new Counter({
      name: 'twinflow_store_failures_total',
      help: 'Failed batch writes (each is retried)',
      labelNames: ['store'],
      registers,
    });
    this.storeBacklog = new Gauge({
      name: 'twinflow_store_backlog_rows',
      help: 'Rows waiting to be written',
      registers,
      collect(this: Gauge): void {
        this.set(options.backlog());
      },
    });
    this.sseClients = new Gauge({
      name: 'twinflow_sse_clients',
      help: 'Connected live-stream clients',
      registers,
      collect(this: Gauge): void {
        this.set(options.sseClients());
      },
    });
    this.events = new Counter({ name: 'twinflow_events_total', help: 'Events published, by type', labelNames: ['type'], registers });
    this.twins = new Gauge({ name: 'twinflow_twins', help: 'Twins in the registry', registers });
    if (options.collectProcess !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one message towards the ingest rate. */
  countMessage(now: number): void {
    this.#advance(now);
    this.#rateBuckets[this.#rateSecond % RATE_WINDOW_S]! += 1;
  }

  ingestRate(now: number): number {
    this.#advance(now);
    let sum = 0;
    for (let i = 1; i < RATE_WINDOW_S; i++) sum += this.#rateBuckets[(this.#rateSecond - i + RATE_WINDOW_S) % RATE_WINDOW_S]!;
    return sum / (RATE_WINDOW_S - 1);
  }

  recordWrite(store: string, info: { items: number; seconds: number; ok: boolean }): void {
    if (!info.ok) {
      this.storeFailures.labels(store).inc();
      return;
    }
    this.storeBatchSeconds.labels(store).observe(info.seconds);
    this.storeBatchRows.labels(store).observe(info.items);
  }

  /** Rotates the per-second buckets; the current second is excluded from the rate since it is incomplete. */
  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (second === this.#rateSecond) return;
    const steps = Math.min(second - this.#rateSecond, RATE_WINDOW_S);
    for (let i = 1; i <= steps; i++) this.#rateBuckets[(this.#rateSecond + i) % RATE_WINDOW_S] = 0;
    this.#rateSecond = second;
  }
}
