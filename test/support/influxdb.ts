/**
 * A private InfluxDB 1.x (Debian's `influxdb`) for the sink tests: its own process on free ports with a temporary
 * config and data directory. Gate with `describeWith('InfluxDB', probeInfluxdb)`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const INFLUXD_BIN = '/usr/bin/influxd';

export async function probeInfluxdb(): Promise<void> {
  await access(INFLUXD_BIN, fsConstants.X_OK);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningInflux {
  url: string;
  query(q: string, db?: string): Promise<{ results: { series?: { columns: string[]; values: unknown[][] }[] }[] }>;
  stop(): Promise<void>;
}

export async function startInfluxdb(): Promise<RunningInflux> {
  const dir = await mkdtemp(join(tmpdir(), 'twinflow-influx-'));
  const [http, rpc] = [await freePort(), await freePort()];
  const conf = join(dir, 'influxdb.conf');
  await writeFile(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]', `  dir = "${dir}/meta"`,
      '[data]', `  dir = "${dir}/data"`, `  wal-dir = "${dir}/wal"`, '  query-log-enabled = false',
      '[http]', `  bind-address = "127.0.0.1:${http}"`, '  log-enabled = false',
      '[logging]', '  level = "error"',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(INFLUXD_BIN, ['-config', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).status === 204) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error('influxd did not start');
    }
    await sleep(100);
  }
  return {
    url,
    async query(q, db) {
      const params = new URLSearchParams({ q, ...(db === undefined ? {} : { db }), epoch: 'ms' });
      const res = await fetch(`${url}/query?${params}`, { method: 'POST' });
      return (await res.json()) as never;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
