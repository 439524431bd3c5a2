/**
 * Episode detection for one pattern over many keys. Each result (a closed window, or an event when the processor
 * does not aggregate) is judged per key; a match opens an episode and is reported once; the episode closes when the
 * condition stops holding, or — with `clear when` — only when the clear condition holds (hysteresis).
 * Pure: times come in as arguments, state is plain data that round-trips through JSON.
 */
import type { CompiledExpression } from '../expr/compile.ts';
import type { PatternCondition } from './pattern-parse.ts';

export const Phase = { Detected: 'detected', Cleared: 'cleared' } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export interface KeyState {
  active: boolean;
  /** Consecutive results on which the condition held. */
  run: number;
  /** Start of the current run of true results (sustained). */
  since: number | null;
  /** Time of the latest `A` still waiting for its `B` (sequence). */
  pending: number | null;
  /** Last time data arrived for the key (absent). */
  seen: number;
}

export interface Transition {
  phase: Phase;
  key: string;
}

export type Scope = (path: string) => unknown;

export class PatternDetector {
  readonly condition: PatternCondition;
  readonly #keys = new Map<string, KeyState>();
  /** Evaluations that threw (a type error in the data): counted and taken as false. */
  errors = 0;

  constructor(condition: PatternCondition) {
    this.condition = condition;
  }

  get activeCount(): number {
    let n = 0;
    for (const [, s] of this.#keys) if (s.active) n++;
    return n;
  }

  isActive(key: string): boolean {
    return this.#keys.get(key)?.active === true;
  }

  /**
   * Judges one result for `key`, covering [start, end]; `scope` reads its values. Returns the transition it causes.
   */
  onResult(key: string, start: number, end: number, scope: Scope): Transition | undefined {
    const s = this.#state(key, end);
    s.seen = Math.max(s.seen, end);
    const c = this.condition;
    let match: boolean;
    let holds: boolean;
    switch (c.type) {
      case 'absent':
        // Data arrived: the absence, if any, is over.
        match = false;
        holds = false;
        break;
      case 'each':
      case 'within':
        holds = this.#test(c.when, scope);
        match = holds;
        break;
      case 'consecutive':
        holds = this.#test(c.when, scope);
        s.run = holds ? s.run + 1 : 0;
        match = s.run >= c.windows;
        break;
      case 'sustained':
        holds = this.#test(c.when, scope);
        if (!holds) s.since = null;
        else if (s.since === null) s.since = start;
        match = holds && end - s.since! >= c.duration;
        break;
      case 'sequence': {
        holds = this.#test(c.then, scope);
        match = holds && s.pending !== null && end - s.pending <= c.within && end > s.pending;
        if (match) s.pending = null;
        if (this.#test(c.first, scope)) s.pending = end;
        break;
      }
    }
    return this.#step(key, s, match, holds, scope);
  }

  /**
   * The clock moved: `absent for D` fires for every known key silent for D, and `EXPR for D` for every key whose
   * latest result held and has held for D by now — results may stop arriving (a silent device, a window that
   * never closes for lack of data) while the condition is still the last thing known. Like `absent`, the clock is
   * compared with event times.
   */
  onTick(now: number): Transition[] {
    const c = this.condition;
    if (c.type !== 'absent' && c.type !== 'sustained') return [];
    const out: Transition[] = [];
    for (const [key, s] of this.#keys) {
      if (s.active) continue;
      const due = c.type === 'absent' ? now - s.seen >= c.duration : s.since !== null && now - s.since >= c.duration;
      if (due) {
        s.active = true;
        out.push({ phase: Phase.Detected, key });
      }
    }
    return out;
  }

  /** Makes a key known to `absent` before its first result (a twin of a group that never reported). */
  watch(key: string, now: number): void {
    this.#state(key, now);
  }

  snapshot(): Record<string, KeyState> {
    return Object.fromEntries([...this.#keys].map(([k, s]) => [k, { ...s }]));
  }

  restore(state: Record<string, KeyState>): void {
    for (const [k, s] of Object.entries(state)) this.#keys.set(k, { ...s });
  }

  #state(key: string, now: number): KeyState {
    let s = this.#keys.get(key);
    if (s === undefined) {
      s = { active: false, run: 0, since: null, pending: null, seen: now };
      this.#keys.set(key, s);
    }
    return s;
  }

  #step(key: string, s: KeyState, match: boolean, holds: boolean, scope: Scope): Transition | undefined {
    if (!s.active) {
      if (!match) return undefined;
      s.active = true;
      return { phase: Phase.Detected, key };
    }
    const clear = this.condition.clear;
    const over = clear === undefined ? !holds : this.#test(clear, scope);
    if (!over) return undefined;
    s.active = false;
    s.run = 0;
    s.since = null;
    return { phase: Phase.Cleared, key };
  }

  #test(e: CompiledExpression, scope: Scope): boolean {
    try {
      return e.evaluate(scope) === true;
    } catch {
      this.errors++;
      return false;
    }
  }
}
