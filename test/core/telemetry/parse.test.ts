import { describe, expect, it } from 'vitest';
import { parseTelemetry, parseTimestamp, readDocument, RejectReason } from '../../../src/core/telemetry/parse.ts';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseTelemetry', () => {
  it('reads flat fields and stamps arrival time when there is no ts', () => {
    const r = parseTelemetry(bytes('{"temperature": 21.5, "on": true, "mode": "cool"}'), NOW, 1024);
    expect(r).toEqual({
      ok: true,
      readings: [{ ts: NOW, deviceTime: false, values: { temperature: 21.5, on: true, mode: 'cool' } }],
      rejections: [],
    });
  });

  it('reads the {ts, values} form with an ISO time and a msgId', () => {
    const r = parseTelemetry('{"ts": "2026-01-02T03:04:05.678Z", "msgId": 7, "values": {"ts": 1, "p": 2}}', NOW, 1024);
    expect(r.ok && r.readings[0]).toEqual({
      ts: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      deviceTime: true,
      msgId: '7',
      values: { ts: 1, p: 2 },
    });
  });

  it('takes small numeric timestamps as seconds and large ones as milliseconds', () => {
    expect(parseTimestamp(1_700_000_000)).toBe(1_700_000_000_000);
    expect(parseTimestamp(1_700_000_000_123)).toBe(1_700_000_000_123);
    expect(parseTimestamp(-1)).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(parseTimestamp('2026-02-30T00:00:00Z')).toBe(Date.parse('2026-02-30T00:00:00Z'));
    expect(parseTimestamp(true)).toBeUndefined();
  });

  it('keeps the valid rest when one field has an unsupported type', () => {
    const r = parseTelemetry('{"a": 1, "b": {"x": 1}, "c": null, "d": [1], "e": "ok"}', NOW, 1024);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.readings[0]?.values).toEqual({ a: 1, e: 'ok' });
    expect(r.rejections.map((x) => [x.field, x.reason])).toEqual([
      ['b', RejectReason.UnsupportedType],
      ['c', RejectReason.UnsupportedType],
      ['d', RejectReason.UnsupportedType],
    ]);
    expect(r.rejections[1]?.message).toBe('c: null is not a supported value (number, boolean or string)');
  });

  it.each([
    ['{"a": 1', RejectReason.MalformedJson],
    ['42', RejectReason.NotObject],
    ['"text"', RejectReason.NotObject],
    ['[]', RejectReason.NoValues],
    ['{}', RejectReason.NoValues],
    ['{"ts": "soon", "a": 1}', RejectReason.InvalidTimestamp],
    ['{"values": 3}', RejectReason.NotObject],
    ['{"x": {"y": 1}}', RejectReason.UnsupportedType],
  ])('rejects %s as %s', (payload, reason) => {
    const r = parseTelemetry(payload, NOW, 1024);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.reason).toBe(reason);
  });

  it('rejects invalid UTF-8 as malformed', () => {
    const r = parseTelemetry(new Uint8Array([0x7b, 0xff, 0x7d]), NOW, 1024);
    expect(!r.ok && r.rejection.reason).toBe(RejectReason.MalformedJson);
  });

  it('rejects a payload over the size limit before parsing it', () => {
    const r = parseTelemetry(bytes(`{"a": "${'x'.repeat(100)}"}`), NOW, 64);
    expect(r).toEqual({ ok: false, rejection: { reason: RejectReason.TooLarge, message: 'payload is 109 bytes; the limit is 64' } });
  });

  it('rejects non-finite numbers, empty and control-character field names', () => {
    const r = readDocument({ a: Number.NaN, '': 1, 'b\u0001': 2, ['x'.repeat(129)]: 3, ok: 1 }, NOW);
    expect(r.ok && r.rejections.map((x) => x.reason)).toEqual([
      RejectReason.UnsupportedType,
      RejectReason.InvalidField,
      RejectReason.InvalidField,
      RejectReason.InvalidField,
    ]);
  });

  it('reads a batch and reports the bad items by index', () => {
    const r = readDocument([{ ts: 1_000_000_000_000, a: 1 }, 5, { ts: 1_000_000_000_001, a: 2 }], NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.readings.map((x) => x.ts)).toEqual([1_000_000_000_000, 1_000_000_000_001]);
    expect(r.rejections).toEqual([{ reason: RejectReason.NotObject, message: 'payload[1] is a number, not a JSON object' }]);
  });
});
