import type { Logger } from '../../src/ports.ts';

export interface LogRecord {
  level: string;
  obj: unknown;
  msg?: string;
}

/** A logger that keeps what was logged, for tests that look at it. */
export function recordingLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      records.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
    };
  const logger = { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

const drop = (): void => {};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: drop, info: drop, warn: drop, error: drop, child: () => silentLogger };
