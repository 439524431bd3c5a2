/** A small SSE client for tests: frames parsed as the EventSource spec says (id, event, data, comments). */
export interface SseFrame {
  id?: string;
  event: string;
  data: any;
}

export interface SseClient {
  take(count: number, timeoutMs?: number): Promise<SseFrame[]>;
  waitForComment(text: string, timeoutMs?: number): Promise<void>;
  /** Frames received so far and not yet taken. */
  readonly buffered: SseFrame[];
  close(): void;
}

export async function openSse(url: string, lastEventId?: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers, ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
    signal: controller.signal,
  });
  if (res.status !== 200 || res.body === null) throw new Error(`SSE ${url} answered ${res.status}: ${await res.text()}`);
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Partial<SseFrame> & { lines: string[] } = { lines: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.lines.push(line.slice(6));
          }
          if (frame.lines.length > 0) {
            frames.push({ ...(frame.id === undefined ? {} : { id: frame.id }), event: frame.event ?? 'message', data: JSON.parse(frame.lines.join('\n')) });
          }
          wake?.();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      wake?.();
    }
  })();
  const until = async (ready: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (ended) throw new Error(`stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(left, 50));
      });
    }
  };
  return {
    buffered: frames,
    async take(count, timeoutMs = 5000) {
      await until(() => frames.length >= count, timeoutMs, `${count} events (got ${frames.length})`);
      return frames.splice(0, count);
    },
    async waitForComment(text, timeoutMs = 5000) {
      await until(() => comments.some((c) => c.includes(text)), timeoutMs, `comment "${text}"`);
    },
    close() {
      controller.abort();
    },
  };
}
