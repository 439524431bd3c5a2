/** Window kinds (DESIGN §5.6) and which time windows an event falls in. Windows are [start, end). */

export const WindowType = { Tumbling: 'tumbling', Sliding: 'sliding', Session: 'session', Count: 'count' } as const;
export type WindowType = (typeof WindowType)[keyof typeof WindowType];

export type WindowSpec =
  | { type: 'tumbling'; size: number }
  | { type: 'sliding'; size: number; slide: number }
  | { type: 'session'; gap: number }
  | { type: 'count'; size: number };

/** Starts of the time windows holding `ts`, ascending. Tumbling is sliding with slide = size. */
export function windowStarts(size: number, slide: number, ts: number): number[] {
  const last = Math.floor(ts / slide) * slide;
  const out: number[] = [];
  for (let start = last; start > ts - size; start -= slide) out.push(start);
  return out.reverse();
}
