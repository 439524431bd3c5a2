/** Where `twinflow run` writes each processed reading (the PyEdgeTwin seed's sinks). */

export interface SinkRecord {
  /** Epoch ms of the reading. */
  ts: number;
  twin_id: string;
  asset_id: string;
  topic: string;
  model_version: string;
  raw_value: number;
  twin_estimate: number;
  anomaly_flag: boolean;
  residual: number | null;
}

export interface Sink {
  readonly name: string;
  /** Buffers records; a sink writes them in batches. */
  write(records: readonly SinkRecord[]): Promise<void>;
  /** Writes whatever is buffered. */
  flush(): Promise<void>;
  /** True while the last write succeeded (for /readyz). */
  healthy(): boolean;
  /** Flushes, then releases files and connections. */
  close(): Promise<void>;
}

export const CSV_COLUMNS = ['ts', 'time', 'twin_id', 'asset_id', 'topic', 'model_version', 'raw_value', 'twin_estimate', 'residual', 'anomaly_flag'] as const;
