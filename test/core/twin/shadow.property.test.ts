/**
 * The shadow rules against a small reference model written here from the AWS IoT Device Shadow documentation:
 * state kept as a flat map of leaf paths, updated imperatively — a different route to the same document.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../../src/core/types.ts';
import { shadowView, type StoredShadow } from '../../../src/core/twin/shadow-document.ts';
import { applyShadowUpdate, parseShadowUpdate, UpdateOrigin } from '../../../src/core/twin/shadow-update.ts';

type Leaves = Map<string, { value: Json; time: number }>;
const SEP = '\u0001';

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reference: a section is the set of its leaves (scalars, arrays, empty objects) with the time each was written. */
class RefSection {
  leaves: Leaves = new Map();

  /** AWS: a patch names what changes; null deletes; objects merge; anything else replaces the whole member. */
  apply(patch: JsonObject, time: number, prefix: string[] = []): void {
    for (const [k, v] of Object.entries(patch)) {
      const path = [...prefix, k];
      const key = path.join(SEP);
      if (v === null) {
        this.removeUnder(key);
        this.ensureParentIsObject(path.slice(0, -1), time);
        continue;
      }
      if (isObj(v)) {
        // merging into a non-object replaces it; into an object goes member by member
        if (this.leaves.has(key)) this.leaves.delete(key);
        this.removeAbove(path);
        const hasChildren = [...this.leaves.keys()].some((p) => p.startsWith(key + SEP));
        const members = Object.entries(v).filter(([, x]) => x !== null);
        if (!hasChildren && members.length === 0) this.leaves.set(key, { value: {}, time });
        this.apply(v, time, path);
        if (![...this.leaves.keys()].some((p) => p === key || p.startsWith(key + SEP))) this.leaves.set(key, { value: {}, time });
        continue;
      }
      this.removeUnder(key);
      this.removeAbove(path);
      this.leaves.set(key, { value: v, time });
    }
  }

  /** A deleted member leaves its parent an empty object, not nothing. */
  private ensureParentIsObject(parent: string[], time: number): void {
    if (parent.length === 0) return;
    const key = parent.join(SEP);
    if (![...this.leaves.keys()].some((p) => p === key || p.startsWith(key + SEP))) this.leaves.set(key, { value: {}, time: this.parentTime.get(key) ?? time });
  }
  parentTime = new Map<string, number>();

  private removeUnder(key: string): void {
    for (const p of [...this.leaves.keys()]) if (p === key || p.startsWith(key + SEP)) this.leaves.delete(p);
  }

  /** Writing below a scalar (or an empty-object leaf) replaces it. */
  private removeAbove(path: string[]): void {
    for (let i = 1; i < path.length; i++) this.leaves.delete(path.slice(0, i).join(SEP));
  }

  get(path: string[]): Json | undefined {
    return build(this.leaves, path);
  }

  doc(): JsonObject {
    return (build(this.leaves, []) ?? {}) as JsonObject;
  }
}

function build(leaves: Leaves, at: string[]): Json | undefined {
  const key = at.join(SEP);
  if (at.length > 0 && leaves.has(key)) return leaves.get(key)!.value;
  const out: JsonObject = {};
  let any = false;
  for (const [p, { value }] of leaves) {
    const parts = p.split(SEP);
    if (parts.length <= at.length || parts.slice(0, at.length).join(SEP) !== key && at.length > 0) continue;
    if (at.length > 0 && !p.startsWith(key + SEP)) continue;
    any = true;
    let node = out;
    for (let i = at.length; i < parts.length - 1; i++) node = (node[parts[i]!] ??= {}) as JsonObject;
    node[parts[parts.length - 1]!] = value;
  }
  return any || at.length === 0 ? out : undefined;
}

/** Reference delta: every desired leaf whose reported counterpart differs (an empty object differs from a non-object). */
function refDelta(desired: RefSection, reported: RefSection): JsonObject {
  const out = new Map<string, { value: Json; time: number }>();
  for (const [p, leaf] of desired.leaves) {
    const r = reported.get(p.split(SEP));
    const differs = isObj(leaf.value) && Object.keys(leaf.value).length === 0 ? !isObj(r) : JSON.stringify(canon(r)) !== JSON.stringify(canon(leaf.value));
    if (differs) out.set(p, leaf);
  }
  return (build(out, []) ?? {}) as JsonObject;
}

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}

/** The leaf times as the metadata shows them. */
function metaTimes(meta: Json | undefined, value: Json | undefined, prefix: string[], out: Map<string, number>): void {
  if (isObj(value) && Object.keys(value).length > 0) {
    for (const k of Object.keys(value)) metaTimes(isObj(meta) ? meta[k] : undefined, value[k], [...prefix, k], out);
    return;
  }
  if (Array.isArray(value)) {
    const m = meta as Json[];
    out.set(prefix.join(SEP), (m[0] as JsonObject | undefined)?.timestamp as number ?? -1);
    return;
  }
  if (isObj(value)) return; // an empty object has no leaf timestamp of its own
  out.set(prefix.join(SEP), (meta as JsonObject).timestamp as number);
}

const key = fc.constantFrom('a', 'b', 'c');
const scalar: fc.Arbitrary<Json> = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.constantFrom('x', 'y'), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 }));
const patchValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.constant(null), fc.dictionary(key, tie('v'), { minKeys: 1, maxKeys: 3 })),
})).v;
const patch = fc.dictionary(key, patchValue, { minKeys: 1, maxKeys: 3 }) as fc.Arbitrary<JsonObject>;
const step = fc.record({
  section: fc.constantFrom('desired' as const, 'reported' as const),
  patch,
  stale: fc.boolean(),
});

describe('shadow document rules (property, against a reference model)', () => {
  it('merge, null deletes, arrays whole, delta, version +1, per-leaf timestamps', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        let shadow: StoredShadow | undefined;
        const ref = { desired: new RefSection(), reported: new RefSection() };
        let version = 0;
        let now = 1000;
        for (const s of steps) {
          now += 10;
          const parsed = parseShadowUpdate({ state: { [s.section]: s.patch }, ...(s.stale ? { version: version + 5 } : { version }) });
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          const out = applyShadowUpdate(shadow, parsed.update, { now, origin: UpdateOrigin.Cloud });
          if (s.stale) {
            expect(out.ok).toBe(false);
            if (!out.ok) expect(out.status).toBe(409);
            continue;
          }
          expect(out.ok).toBe(true);
          if (!out.ok) return;
          shadow = out.shadow;
          version++;
          ref[s.section].apply(s.patch, now);
          const view = shadowView(shadow);
          expect(view.version).toBe(version);
          expect(canon(shadow.desired)).toEqual(canon(ref.desired.doc()));
          expect(canon(shadow.reported)).toEqual(canon(ref.reported.doc()));
          expect(canon(view.state.delta ?? {})).toEqual(canon(refDelta(ref.desired, ref.reported)));
          for (const section of ['desired', 'reported'] as const) {
            const times = new Map<string, number>();
            metaTimes(section === 'desired' ? shadow.metaDesired : shadow.metaReported, shadow[section], [], times);
            for (const [p, leaf] of ref[section].leaves) {
              if (isObj(leaf.value)) continue;
              expect([p, times.get(p)]).toEqual([p, leaf.time]);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
