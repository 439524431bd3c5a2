import type { Twin } from '../types.ts';
import { pathScope, type SequenceTarget } from './sequence.ts';

const EARTH_RADIUS_M = 6_371_000;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

interface Place {
  kind: 'geo' | 'xyz';
  a: number;
  b: number;
  c: number;
}

/** `metadata.location` as `{lat, lon}` (great-circle metres) or `{x, y, z?}` (same units as given). */
function placeOf(twin: Twin): Place | undefined {
  const loc = twin.metadata.location;
  if (typeof loc !== 'object' || loc === null || Array.isArray(loc)) return undefined;
  if (isNumber(loc.lat) && isNumber(loc.lon)) return { kind: 'geo', a: loc.lat, b: loc.lon, c: 0 };
  if (isNumber(loc.x) && isNumber(loc.y)) return { kind: 'xyz', a: loc.x, b: loc.y, c: isNumber(loc.z) ? loc.z : 0 };
  return undefined;
}

function placeDistance(p: Place, q: Place): number {
  if (p.kind === 'xyz') return Math.hypot(p.a - q.a, p.b - q.b, p.c - q.c);
  const rad = Math.PI / 180;
  const dLat = (q.a - p.a) * rad;
  const dLon = (q.b - p.b) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(p.a * rad) * Math.cos(q.a * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

/**
 * How far `twin` is from `from`: by location when both have one of the same kind; otherwise by dimensions, read as a
 * hierarchy in the order `from` lists them (building, floor, zone): a twin sharing building and floor is nearer than
 * one sharing only the building. Location distances always rank before dimension ones.
 */
export function distance(from: Twin, twin: Twin): number {
  const p = placeOf(from);
  const q = placeOf(twin);
  if (p !== undefined && q !== undefined && p.kind === q.kind) return placeDistance(p, q);
  const keys = Object.keys(from.dimensions);
  let shared = 0;
  while (shared < keys.length && twin.dimensions[keys[shared]!] === from.dimensions[keys[shared]!]) shared++;
  return Number.MAX_SAFE_INTEGER - (keys.length === 0 ? 0 : (shared / keys.length) * 1e6);
}

/** The scope a target filter sees for one twin: `id`, `name`, `model`, `status`, `dimensions.*`, `metadata.*`, `group`. */
export function twinScope(twin: Twin): (path: string) => unknown {
  const scope = pathScope({ id: twin.id, name: twin.name, model: twin.model, status: twin.status, dimensions: twin.dimensions, metadata: twin.metadata });
  return (path) => (path === 'groups' ? twin.groups.join(',') : scope(path));
}

/**
 * The twins a sequence or rollout acts on, from the candidates of the tenant: by id, group and filter; with
 * `selection: nearest`, the `count` nearest to the device `toDevice` names (never that device itself).
 */
export function selectTargets(target: SequenceTarget, candidates: readonly Twin[], context: (path: string) => unknown): Twin[] {
  let chosen = candidates.filter(
    (t) =>
      (target.twin === undefined || t.id === target.twin) &&
      (target.group === undefined || t.groups.includes(target.group)) &&
      (target.filter === undefined || target.filter.evaluate(twinScope(t)) === true),
  );
  if (target.selection === 'nearest' && target.toDevice !== undefined) {
    const fromId = target.toDevice.evaluate(context);
    const from = candidates.find((t) => t.id === fromId);
    if (from === undefined) return [];
    chosen = chosen
      .filter((t) => t.id !== from.id)
      .map((t) => ({ t, d: distance(from, t) }))
      .sort((x, y) => x.d - y.d || (x.t.id < y.t.id ? -1 : 1))
      .slice(0, target.count)
      .map((x) => x.t);
  }
  return chosen;
}
