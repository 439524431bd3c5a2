import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createInfluxSink } from '../../src/adapters/sinks/influx.ts';
import type { SinkRecord } from '../../src/adapters/sinks/sink.ts';
import { silentLogger } from '../support/logger.ts';

/**
 * InfluxDB 2.x's write API as its documentation describes it (`POST /api/v2/write?org&bucket&precision`,
 * `Authorization: Token …`, line protocol body, 204 on success), scripted here because Debian ships no 2.x server;
 * the 1.x path is tested against a real influxd in test/cli/run.int.test.ts.
 */
interface Received {
  url: string;
  authorization: string | undefined;
  body: string;
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function influx2(answer: () => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = answer();
      if (status === 204) received.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
      res.writeHead(status).end(status === 204 ? undefined : '{"code":"unavailable"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const record = (i: number): SinkRecord => ({
  ts: 1_700_000_000_000 + i,
  twin_id: 'motor twin,1',
  asset_id: 'motor-001',
  topic: 'sensors/motor-001/temperature',
  model_version: '1.0.0',
  raw_value: 20 + i,
  twin_estimate: 20.5,
  anomaly_flag: i % 2 === 1,
  residual: -0.5,
});

describe('InfluxDB 2.x sink', () => {
  it('writes line protocol to /api/v2/write with org, bucket, ms precision and the token', async () => {
    const server = await influx2(() => 204);
    const sink = createInfluxSink({ url: `${server.url}/`, token: 's3cret', org: 'myorg', bucket: 'twins', logger: silentLogger });
    await sink.write([record(0), record(1)]);
    await sink.flush();
    expect(server.received).toHaveLength(1);
    const [got] = server.received;
    const url = new URL(got!.url, server.url);
    expect(url.pathname).toBe('/api/v2/write');
    expect(Object.fromEntries(url.searchParams)).toEqual({ org: 'myorg', bucket: 'twins', precision: 'ms' });
    expect(got!.authorization).toBe('Token s3cret');
    expect(got!.body.split('\n')).toEqual([
      'twin,twin_id=motor\\ twin\\,1,asset_id=motor-001,model_version=1.0.0 raw_value=20,twin_estimate=20.5,anomaly_flag=false,residual=-0.5,topic="sensors/motor-001/temperature" 1700000000000',
      'twin,twin_id=motor\\ twin\\,1,asset_id=motor-001,model_version=1.0.0 raw_value=21,twin_estimate=20.5,anomaly_flag=true,residual=-0.5,topic="sensors/motor-001/temperature" 1700000000001',
    ]);
    expect(sink.healthy()).toBe(true);
  });

  it('keeps the lines through an outage and writes them, in order, once InfluxDB answers again', async () => {
    let down = true;
    const server = await influx2(() => (down ? 503 : 204));
    const sink = createInfluxSink({ url: server.url, token: 't', org: 'o', bucket: 'b', logger: silentLogger });
    await sink.write([record(0)]);
    await sink.flush();
    expect(sink.healthy()).toBe(false);
    await sink.write([record(1)]);
    down = false;
    await sink.flush();
    expect(sink.healthy()).toBe(true);
    expect(server.received.flatMap((r) => r.body.split('\n')).map((l) => l.split(' ').at(-1))).toEqual(['1700000000000', '1700000000001']);
  });

  it('bounds what it keeps during a long outage, dropping the oldest lines', async () => {
    let down = true;
    const server = await influx2(() => (down ? 503 : 204));
    const sink = createInfluxSink({ url: server.url, token: 't', org: 'o', bucket: 'b', logger: silentLogger, maxBuffered: 2 });
    for (let i = 0; i < 3; i++) {
      await sink.write([record(i)]);
      await sink.flush();
    }
    down = false;
    await sink.flush();
    expect(server.received.flatMap((r) => r.body.split('\n')).map((l) => l.split(' ').at(-1))).toEqual(['1700000000001', '1700000000002']);
  });
});
