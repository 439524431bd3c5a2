import { appendFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../ports.ts';
import { CSV_COLUMNS, type Sink, type SinkRecord } from './sink.ts';

export interface CsvSinkOptions {
  path: string;
  /** Rotate when the file would grow past this. @default 10 MiB */
  maxBytes?: number;
  /** Rotated files kept (`path.1` newest … `path.N`). @default 5 */
  maxFiles?: number;
  logger: Logger;
}

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(r: SinkRecord): string {
  const row: Record<(typeof CSV_COLUMNS)[number], unknown> = { ...r, time: new Date(r.ts).toISOString() };
  return `${CSV_COLUMNS.map((c) => cell(row[c])).join(',')}\n`;
}

/** CSV with the header written once per file, appended in batches, rotated by size. */
export function createCsvSink(options: CsvSinkOptions): Sink {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 5;
  const header = `${CSV_COLUMNS.join(',')}\n`;
  let buffer: string[] = [];
  let size: number | undefined;
  let ok = true;
  const rotate = async () => {
    await rm(`${options.path}.${maxFiles}`, { force: true });
    for (let i = maxFiles - 1; i >= 1; i--) await rename(`${options.path}.${i}`, `${options.path}.${i + 1}`).catch(() => undefined);
    await rename(options.path, `${options.path}.1`);
    size = 0;
  };
  const flush = async () => {
    if (buffer.length === 0) return;
    const lines = buffer;
    buffer = [];
    try {
      if (size === undefined) {
        await mkdir(dirname(options.path), { recursive: true });
        size = await stat(options.path).then((s) => s.size, () => 0);
      }
      let chunk = '';
      for (const line of lines) {
        if (size > 0 && size + Buffer.byteLength(chunk) + Buffer.byteLength(line) > maxBytes) {
          if (chunk !== '') await appendFile(options.path, chunk);
          chunk = '';
          await rotate();
        }
        if (size === 0 && chunk === '') chunk = header;
        chunk += line;
      }
      await appendFile(options.path, chunk);
      size += Buffer.byteLength(chunk);
      ok = true;
    } catch (err) {
      ok = false;
      options.logger.error({ err }, `CSV sink: write to ${options.path} failed`);
    }
  };
  return {
    name: 'csv',
    async write(records) {
      for (const r of records) buffer.push(csvLine(r));
      if (buffer.length >= 1000) await flush();
    },
    flush,
    healthy: () => ok,
    close: flush,
  };
}
