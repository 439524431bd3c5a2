import type { Sink } from './sink.ts';

/** JSON lines on a stream (stdout by default): one object per record. */
export function createStdoutSink(out: { write(chunk: string): unknown }): Sink {
  return {
    name: 'stdout',
    async write(records) {
      let text = '';
      for (const r of records) text += `${JSON.stringify({ ...r, time: new Date(r.ts).toISOString() })}\n`;
      out.write(text);
    },
    flush: async () => {},
    healthy: () => true,
    close: async () => {},
  };
}
