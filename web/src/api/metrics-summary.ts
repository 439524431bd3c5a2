import type { PromMetric } from './types.ts';

export const MetricName = {
  IngestMessages: 'twinflow_ingest_messages_total',
  IngestRate: 'twinflow_ingest_rate_per_second',
  IngestRejected: 'twinflow_ingest_rejected_total',
  SseClients: 'twinflow_sse_clients',
} as const;

export interface MetricsSample {
  /** Epoch ms of the scrape. */
  readonly at: number;
  readonly messagesTotal?: number;
}

export interface MetricsSummary {
  /** Messages per second; undefined when the server reports neither the gauge nor two counter samples. */
  readonly ingestRate?: number;
  readonly rejectedTotal?: number;
  readonly sseClients?: number;
  readonly sample: MetricsSample;
}

/** Sums a metric over all its label sets; undefined when the server does not export it. */
export function sumMetric(metrics: readonly PromMetric[], name: string): number | undefined {
  const m = metrics.find((x) => x.name === name);
  if (!m || !Array.isArray(m.values)) return undefined;
  return m.values.reduce((s, v) => s + (Number.isFinite(v.value) ? v.value : 0), 0);
}

/**
 * Reads the header figures. The rate comes from the gauge when there is one, else from the counter's
 * increase since the previous scrape (a counter that went down means a restart: no rate this time).
 */
export function summarizeMetrics(metrics: readonly PromMetric[], at: number, prev?: MetricsSample): MetricsSummary {
  const messagesTotal = sumMetric(metrics, MetricName.IngestMessages);
  let ingestRate = sumMetric(metrics, MetricName.IngestRate);
  if (ingestRate === undefined && messagesTotal !== undefined && prev?.messagesTotal !== undefined && at > prev.at) {
    const delta = messagesTotal - prev.messagesTotal;
    if (delta >= 0) ingestRate = (delta * 1000) / (at - prev.at);
  }
  return {
    ingestRate,
    rejectedTotal: sumMetric(metrics, MetricName.IngestRejected),
    sseClients: sumMetric(metrics, MetricName.SseClients),
    sample: { at, messagesTotal },
  };
}
