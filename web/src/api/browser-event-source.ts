import type { EventSourceFactory } from './event-stream.ts';

/** The browser's `EventSource`; it reconnects by itself and resumes with `Last-Event-ID`. */
export const browserEventSource: EventSourceFactory = (url) => new EventSource(url);
