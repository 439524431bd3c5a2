import { describe, expect, it } from 'vitest';
import { parseSequenceSpec, pathScope, type SequenceTarget } from '../../../src/core/command/sequence.ts';
import { distance, selectTargets, twinScope } from '../../../src/core/command/targets.ts';
import type { Twin } from '../../../src/core/types.ts';

function twin(id: string, extra: Partial<Twin> = {}): Twin {
  return { id, name: id, tenant: 'default', metadata: {}, interfaces: {}, dependencies: {}, relationships: [], groups: [], dimensions: {}, blocks: [], status: 'active', version: 1, createdAt: 0, updatedAt: 0, ...extra };
}

function target(raw: unknown): SequenceTarget {
  const r = parseSequenceSpec({ target: raw, steps: [{ command: 'x' }] });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.spec.target;
}

const hvac = (id: string, dims: Record<string, string>, location?: Record<string, number>) =>
  twin(id, { groups: ['hvac'], dimensions: dims, metadata: location === undefined ? {} : { location } });

describe('target selection', () => {
  const fleet = [
    twin('ts-1', { groups: ['sensors'], dimensions: { building: 'A', floor: '2', zone: 'east' } }),
    hvac('ac-a1-w', { building: 'A', floor: '1', zone: 'west' }),
    hvac('ac-a2-w', { building: 'A', floor: '2', zone: 'west' }),
    hvac('ac-a2-e', { building: 'A', floor: '2', zone: 'east' }),
    hvac('ac-b2-e', { building: 'B', floor: '2', zone: 'east' }),
  ];
  const context = pathScope({ context: { device_id: 'ts-1' } });

  it('given a group, then every member', () => {
    expect(selectTargets(target({ group: 'hvac' }), fleet, context).map((t) => t.id)).toEqual(['ac-a1-w', 'ac-a2-w', 'ac-a2-e', 'ac-b2-e']);
  });

  it('given a twin or a filter, then those', () => {
    expect(selectTargets(target({ twin: 'ac-a2-e' }), fleet, context).map((t) => t.id)).toEqual(['ac-a2-e']);
    expect(selectTargets(target({ filter: 'dimensions.building == "B"' }), fleet, context).map((t) => t.id)).toEqual(['ac-b2-e']);
  });

  it('given selection nearest by dimensions, then the controller sharing the most of building > floor > zone', () => {
    const t = target({ group: 'hvac', selection: 'nearest', parameters: { to_device: 'context.device_id', count: 2 } });
    expect(selectTargets(t, fleet, context).map((x) => x.id)).toEqual(['ac-a2-e', 'ac-a2-w']);
  });

  it('given locations, then by distance; an unknown reference selects nothing', () => {
    const geo = [twin('s', { metadata: { location: { lat: 48.1, lon: 11.5 } } }), hvac('far', {}, { lat: 52.5, lon: 13.4 }), hvac('near', {}, { lat: 48.2, lon: 11.6 })];
    const t = target({ group: 'hvac', selection: 'nearest', parameters: { to_device: 'context.device_id' } });
    expect(selectTargets(t, geo, pathScope({ context: { device_id: 's' } })).map((x) => x.id)).toEqual(['near']);
    expect(selectTargets(t, geo, pathScope({ context: { device_id: 'nobody' } }))).toEqual([]);
    const plane = [twin('p', { metadata: { location: { x: 0, y: 0 } } }), hvac('b', {}, { x: 3, y: 4, z: 0 }), hvac('a', {}, { x: 3, y: 4 }), hvac('c', {}, { x: 4, y: 3 })];
    expect(selectTargets({ ...t, count: 3 }, [...plane].reverse(), pathScope({ context: { device_id: 'p' } })).map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(selectTargets({ ...t, count: 2 }, plane, pathScope({ context: { device_id: 'p' } })).map((x) => x.id)).toEqual(['a', 'b']);
    expect(distance(plane[0]!, plane[1]!)).toBe(5);
  });

  it('falls back to dimensions when locations are missing or of different kinds', () => {
    const a = twin('a', { metadata: { location: { x: 1, y: 1 } } });
    const b = twin('b', { metadata: { location: { lat: 1, lon: 1 } } });
    const c = twin('c', { metadata: { location: 'here' } });
    expect(distance(a, b)).toBe(Number.MAX_SAFE_INTEGER);
    expect(distance(c, a)).toBe(Number.MAX_SAFE_INTEGER);
    expect(distance(twin('n', { metadata: { location: null } }), a)).toBe(Number.MAX_SAFE_INTEGER);
    expect(distance(twin('o', { metadata: { location: { where: 1 } } }), a)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('the twin scope gives ids, dimensions, metadata and groups', () => {
    const s = twinScope(twin('x', { groups: ['g1', 'g2'], metadata: { fw: '1.2' } }));
    expect([s('id'), s('metadata.fw'), s('groups')]).toEqual(['x', '1.2', 'g1,g2']);
  });
});
