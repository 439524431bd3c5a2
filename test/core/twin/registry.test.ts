import { describe, expect, it } from 'vitest';
import { createTwin, patchTwin, replaceTwin } from '../../../src/core/twin/registry.ts';
import type { TwinPatchResult } from '../../../src/core/twin/registry.ts';
import { parseTwinSpec } from '../../../src/core/twin/spec.ts';
import type { Twin, TwinSpec } from '../../../src/core/types.ts';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const T1 = T0 + 60_000;

function spec(raw: Record<string, unknown>): TwinSpec {
  const result = parseTwinSpec(raw, { defaultTenant: 'default' });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.spec;
}

const LIFT = {
  id: 'lift-001',
  name: 'Lift 1',
  model: 'lift',
  metadata: { device_id: 'm5-01' },
  dependencies: { static: ['building-7'] },
  dimensions: { building: 'b7', floor: '2' },
};

function given(raw: Record<string, unknown> = LIFT): Twin {
  return createTwin(spec(raw), 'acme', T0);
}

function accepted(result: TwinPatchResult) {
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result;
}

describe('createTwin', () => {
  it('given a spec, then the twin is at version 1, created and updated now, in the given tenant', () => {
    const twin = given();
    expect(twin).toMatchObject({ id: 'lift-001', tenant: 'acme', version: 1, createdAt: T0, updatedAt: T0 });
    expect(twin.dimensions).toEqual({ building: 'b7', floor: '2' });
  });
});

describe('replaceTwin', () => {
  it('given a twin, when the same spec comes again, then nothing changes and no version is spent', () => {
    const existing = given();
    const { twin, changed } = replaceTwin(existing, spec(LIFT), T1);
    expect(changed).toEqual([]);
    expect(twin).toBe(existing);
  });

  it('given a twin, when an equal spec with keys in another order comes, then nothing changes', () => {
    const existing = given();
    const reordered = spec({
      dimensions: { floor: '2', building: 'b7' },
      dependencies: { static: ['building-7'] },
      metadata: { device_id: 'm5-01' },
      model: 'lift',
      name: 'Lift 1',
      id: 'lift-001',
    });
    expect(replaceTwin(existing, reordered, T1).changed).toEqual([]);
  });

  it('given a twin, when the name and dimensions change, then version 2 lists exactly those fields', () => {
    const existing = given();
    const { twin, changed } = replaceTwin(existing, spec({ ...LIFT, name: 'Lift One', dimensions: { building: 'b7', floor: '3' } }), T1);
    expect(changed).toEqual(['name', 'dimensions']);
    expect(twin).toMatchObject({ name: 'Lift One', version: 2, createdAt: T0, updatedAt: T1, tenant: 'acme' });
  });

  it('given a twin with a model, when the spec drops it, then model is listed as changed and gone', () => {
    const { id, name } = LIFT;
    const { twin, changed } = replaceTwin(given(), spec({ id, name, metadata: LIFT.metadata, dependencies: LIFT.dependencies, dimensions: LIFT.dimensions }), T1);
    expect(changed).toEqual(['model']);
    expect(twin).not.toHaveProperty('model');
  });

  it('given a twin, when a spec of another twin is passed, then it is refused as a bug', () => {
    expect(() => replaceTwin(given(), spec({ id: 'other' }), T1)).toThrow(/does not belong/);
  });
});

describe('patchTwin', () => {
  it('given a twin, when a merge patch adds a group and removes metadata.device_id, then version 2', () => {
    const { twin, changed } = accepted(patchTwin(given(), { groups: ['lifts'], metadata: { device_id: null, firmware: '2.1' } }, T1));
    expect(changed).toEqual(['metadata', 'groups']);
    expect(twin.metadata).toEqual({ firmware: '2.1' });
    expect(twin.groups).toEqual(['lifts']);
    expect(twin.version).toBe(2);
    expect(twin.updatedAt).toBe(T1);
  });

  it('given a twin, when the patch repeats what is stored, then the version stays', () => {
    const existing = given();
    const { twin, changed } = accepted(patchTwin(existing, { name: 'Lift 1', dimensions: { floor: '2' } }, T1));
    expect(changed).toEqual([]);
    expect(twin.version).toBe(1);
  });

  it('given a twin, when the patch sets name to null, then the name falls back to the id', () => {
    const { twin } = accepted(patchTwin(given(), { name: null }, T1));
    expect(twin.name).toBe('lift-001');
  });

  it('given a twin, when the patch sets status deprecated, then it is deprecated', () => {
    const { twin, changed } = accepted(patchTwin(given(), { status: 'deprecated' }, T1));
    expect(changed).toEqual(['status']);
    expect(twin.status).toBe('deprecated');
  });

  it('given a twin, when the patch sets metadata.status deprecated (the DTP seed way), then the status follows', () => {
    const { twin, changed } = accepted(patchTwin(given(), { metadata: { status: 'deprecated' } }, T1));
    expect(changed).toEqual(['metadata', 'status']);
    expect(twin.status).toBe('deprecated');
  });

  it('given a twin, when the patch changes id, tenant and version, then each is a problem', () => {
    const result = patchTwin(given(), { id: 'lift-002', tenant: 'other', version: 7 }, T1);
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'id', message: 'cannot be changed (the twin is "lift-001")' },
        { path: 'tenant', message: 'cannot be changed (the twin is in "acme")' },
        { path: 'version', message: 'is maintained by the registry and cannot be patched' },
      ],
    });
  });

  it('given a twin, when the patch restates its id and tenant, then that is fine', () => {
    expect(patchTwin(given(), { id: 'lift-001', tenant: 'acme' }, T1).ok).toBe(true);
  });

  it('given a twin, when the patched spec is invalid, then the problems name the paths', () => {
    const result = patchTwin(given(), { relationships: [{ name: 'locatedIn' }], dimensions: { floor: [2] } }, T1);
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'relationships[0].target', message: 'required' },
        { path: 'dimensions.floor', message: 'must be a string, number or boolean, not an array' },
      ],
    });
  });

  it('given a twin, when the patch is not an object, then it is refused', () => {
    expect(patchTwin(given(), ['x'], T1)).toEqual({
      ok: false,
      problems: [{ path: '', message: 'a twin merge patch must be a JSON object' }],
    });
  });

  it('given a twin, when a patch is applied, then the stored twin is left as it was', () => {
    const existing = given();
    const before = structuredClone(existing);
    patchTwin(existing, { metadata: { device_id: null }, dimensions: { floor: '9' } }, T1);
    expect(existing).toEqual(before);
  });
});
