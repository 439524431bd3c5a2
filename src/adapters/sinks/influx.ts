import type { Logger } from '../../ports.ts';
import type { Sink, SinkRecord } from './sink.ts';

export interface InfluxSinkOptions {
  url: string;
  /** 1.x: database (+ username/password). */
  database?: string;
  username?: string;
  password?: string;
  /** 2.x: token, org, bucket. */
  token?: string;
  org?: string;
  bucket?: string;
  /** @default 'twin' */
  measurement?: string;
  /** Lines kept for a later try while InfluxDB is unreachable; beyond it the oldest are dropped (and logged). @default 100000 */
  maxBuffered?: number;
  logger: Logger;
  fetch?: typeof fetch;
}

/** Escapes a tag key/value or measurement per the line protocol: commas, spaces and equals signs. */
export function escapeTag(s: string): string {
  return s.replace(/[,= \\]/g, (c) => `\\${c}`);
}

/** One point in InfluxDB line protocol with millisecond precision. */
export function toLine(measurement: string, r: SinkRecord): string {
  const tags = `twin_id=${escapeTag(r.twin_id)},asset_id=${escapeTag(r.asset_id || '-')},model_version=${escapeTag(r.model_version || '-')}`;
  const fields = [`raw_value=${num(r.raw_value)}`, `twin_estimate=${num(r.twin_estimate)}`, `anomaly_flag=${r.anomaly_flag ? 'true' : 'false'}`];
  if (r.residual !== null) fields.push(`residual=${num(r.residual)}`);
  fields.push(`topic="${r.topic.replace(/["\\]/g, (c) => `\\${c}`)}"`);
  return `${escapeTag(measurement)},${tags} ${fields.join(',')} ${Math.round(r.ts)}`;
}

function num(v: number): string {
  // Line protocol floats: a plain decimal; an integer-looking value stays a float without the `i` suffix.
  return Number.isFinite(v) ? String(v) : '0';
}

/**
 * InfluxDB by line protocol: 1.x `POST /write?db=…&precision=ms` (basic auth when given) or 2.x
 * `POST /api/v2/write?org=…&bucket=…&precision=ms` with `Authorization: Token …`.
 */
export function createInfluxSink(options: InfluxSinkOptions): Sink {
  const base = options.url.replace(/\/+$/, '');
  const v2 = options.token !== undefined;
  const measurement = options.measurement ?? 'twin';
  const doFetch = options.fetch ?? fetch;
  let target: string;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (v2) {
    target = `${base}/api/v2/write?${new URLSearchParams({ org: options.org ?? '', bucket: options.bucket ?? '', precision: 'ms' })}`;
    headers.authorization = `Token ${options.token}`;
  } else {
    const q = new URLSearchParams({ db: options.database ?? '', precision: 'ms' });
    if (options.username !== undefined) q.set('u', options.username);
    if (options.password !== undefined) q.set('p', options.password);
    target = `${base}/write?${q}`;
  }
  const maxBuffered = options.maxBuffered ?? 100_000;
  let buffer: string[] = [];
  let ok = true;
  const flush = async () => {
    if (buffer.length === 0) return;
    const lines = buffer;
    buffer = [];
    try {
      const res = await doFetch(target, { method: 'POST', headers, body: lines.join('\n') });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      ok = true;
    } catch (err) {
      ok = false;
      // The lines wait for the next flush, ahead of newer ones; only an outage longer than the bound loses some.
      buffer = lines.concat(buffer);
      const dropped = buffer.length - maxBuffered;
      if (dropped > 0) buffer = buffer.slice(dropped);
      options.logger.error({ err, buffered: buffer.length, dropped: Math.max(0, dropped) }, `InfluxDB sink: write to ${base} failed`);
    }
  };
  return {
    name: v2 ? 'influxdb2' : 'influxdb',
    async write(records) {
      for (const r of records) buffer.push(toLine(measurement, r));
      if (buffer.length >= 1000) await flush();
    },
    flush,
    healthy: () => ok,
    close: flush,
  };
}
