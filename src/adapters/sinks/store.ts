import type { TelemetryPoint } from '../../core/types.ts';
import type { Logger, TelemetryStore } from '../../ports.ts';
import type { Sink } from './sink.ts';

/** The twinflow store as a sink: each record becomes telemetry of the runtime's twin (`raw_value`, `twin_estimate`, …). */
export function createStoreSink(options: { telemetry: TelemetryStore; tenant: string; logger: Logger }): Sink {
  let buffer: TelemetryPoint[] = [];
  let ok = true;
  const flush = async () => {
    if (buffer.length === 0) return;
    const points = buffer;
    buffer = [];
    try {
      await options.telemetry.append(points);
      ok = true;
    } catch (err) {
      ok = false;
      options.logger.error({ err }, 'store sink: append failed');
    }
  };
  return {
    name: 'store',
    async write(records) {
      for (const r of records) {
        const base = { tenant: options.tenant, twinId: r.twin_id, ts: r.ts };
        buffer.push({ ...base, field: 'raw_value', value: r.raw_value }, { ...base, field: 'twin_estimate', value: r.twin_estimate }, { ...base, field: 'anomaly_flag', value: r.anomaly_flag });
        if (r.residual !== null) buffer.push({ ...base, field: 'residual', value: r.residual });
      }
      if (buffer.length >= 2000) await flush();
    },
    flush,
    healthy: () => ok,
    close: flush,
  };
}
