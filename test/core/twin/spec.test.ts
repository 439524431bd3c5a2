import { describe, expect, it } from 'vitest';
import { parseTwinSpec } from '../../../src/core/twin/spec.ts';
import type { TwinSpecResult } from '../../../src/core/twin/spec.ts';
import type { Problem } from '../../../src/core/errors.ts';

const options = { defaultTenant: 'default' };

function problemsOf(result: TwinSpecResult): string[] {
  if (result.ok) throw new Error(`expected problems, got a spec: ${JSON.stringify(result.spec)}`);
  return result.problems.map((p: Problem) => `${p.path}: ${p.message}`);
}

function specOf(result: TwinSpecResult) {
  if (!result.ok) throw new Error(`expected a spec, got problems:\n${problemsOf(result).join('\n')}`);
  return result;
}

describe('parseTwinSpec', () => {
  it('given the twin.yaml of DESIGN.md §5.2, then every field is read and floor stays the string "2"', () => {
    const raw = {
      id: 'lift-001',
      name: 'Lift 1',
      tenant: 'acme',
      model: 'lift',
      metadata: { domain: ['transport'], status: 'active', device_id: 'm5-01' },
      interfaces: { api: 'http://lift-001.local:3001', data_streams: ['tf/acme/lift-001/telemetry'] },
      dependencies: { static: ['building-7'], dynamic: ['energy-meter-3'] },
      relationships: [{ name: 'locatedIn', target: 'building-7' }],
      dimensions: { building: 'b7', floor: '2' },
      blocks: [{ use: 'kalman', input: 'temperature', params: { process_noise: 0.01, measurement_noise: 0.1 } }],
    };

    const { spec, tenant } = specOf(parseTwinSpec(raw, options));

    expect(tenant).toBe('acme');
    expect(spec).toEqual({
      id: 'lift-001',
      name: 'Lift 1',
      model: 'lift',
      metadata: { domain: ['transport'], status: 'active', device_id: 'm5-01' },
      interfaces: { api: 'http://lift-001.local:3001', data_streams: ['tf/acme/lift-001/telemetry'] },
      dependencies: { static: ['building-7'], dynamic: ['energy-meter-3'] },
      relationships: [{ name: 'locatedIn', target: 'building-7' }],
      groups: [],
      dimensions: { building: 'b7', floor: '2' },
      blocks: [{ use: 'kalman', input: 'temperature', params: { process_noise: 0.01, measurement_noise: 0.1 } }],
      status: 'active',
    });
  });

  it('given only "@id" (the DTP registry body), then the name is the id and the tenant is the default', () => {
    const { spec, tenant } = specOf(parseTwinSpec({ '@id': 'pump-7' }, { defaultTenant: 'plant-a' }));
    expect(spec).toEqual({
      id: 'pump-7',
      name: 'pump-7',
      metadata: {},
      interfaces: {},
      dependencies: {},
      relationships: [],
      groups: [],
      dimensions: {},
      blocks: [],
      status: 'active',
    });
    expect(tenant).toBe('plant-a');
  });

  it('given id and @id that agree, then it is accepted; when they differ, then it is a problem', () => {
    expect(specOf(parseTwinSpec({ id: 'a', '@id': 'a' }, options)).spec.id).toBe('a');
    expect(problemsOf(parseTwinSpec({ id: 'a', '@id': 'b' }, options))).toEqual([
      '@id: differs from id ("b" vs "a"); give one of them',
    ]);
  });

  it('given no id, then the problem says so', () => {
    expect(problemsOf(parseTwinSpec({ name: 'x' }, options))).toEqual(['id: required (or "@id")']);
  });

  it('given a too long id, then the problem says how long it is', () => {
    expect(problemsOf(parseTwinSpec({ id: 'x'.repeat(130) }, options))).toEqual(['id: is 130 characters; at most 128']);
  });

  it('given scalar dimensions, then they are kept as strings', () => {
    const { spec } = specOf(parseTwinSpec({ id: 'a', dimensions: { floor: 2, zone: 'east', heated: true, ratio: 0.5 } }, options));
    expect(spec.dimensions).toEqual({ floor: '2', zone: 'east', heated: 'true', ratio: '0.5' });
  });

  describe('status', () => {
    it('given none, then the twin is active', () => {
      expect(specOf(parseTwinSpec({ id: 'a' }, options)).spec.status).toBe('active');
    });

    it('given only metadata.status deprecated (as in the DTP seed), then the twin is deprecated', () => {
      const { spec } = specOf(parseTwinSpec({ id: 'a', metadata: { status: 'deprecated' } }, options));
      expect(spec.status).toBe('deprecated');
      expect(spec.metadata).toEqual({ status: 'deprecated' });
    });

    it('given both, then the top-level status wins', () => {
      const { spec } = specOf(parseTwinSpec({ id: 'a', status: 'active', metadata: { status: 'deprecated' } }, options));
      expect(spec.status).toBe('active');
    });

    it('given a metadata.status that is no lifecycle status, then it stays metadata only', () => {
      const { spec } = specOf(parseTwinSpec({ id: 'a', metadata: { status: 'maintenance' } }, options));
      expect(spec.status).toBe('active');
      expect(spec.metadata).toEqual({ status: 'maintenance' });
    });

    it('given an unknown status, then it is a problem', () => {
      expect(problemsOf(parseTwinSpec({ id: 'a', status: 'retired' }, options))).toEqual([
        'status: must be active or deprecated, not "retired"',
      ]);
    });
  });

  it('given a spec with many mistakes, then every one is listed with its path', () => {
    const raw = {
      id: 'lift-001',
      tenant: 'Acme',
      nmae: 'Lift',
      colour: 'red',
      model: 7,
      metadata: ['x'],
      interfaces: { api: 'not a url', data_streams: 'tf/x', ui: 'http://x' },
      dependencies: { static: ['ok', 'bad id'], dynamics: [] },
      relationships: [{ name: 'locatedIn', target: 'building-7' }, { name: 'feeds' }, 'x'],
      groups: ['a', ''],
      dimensions: { floor: { level: 2 } },
      blocks: [{ input: 'temperature' }, { use: 'kalman', module_path: './x.ts:K' }, { use: 'zscore', version: 1.0 }],
      status: 'gone',
    };

    expect(problemsOf(parseTwinSpec(raw, options))).toEqual([
      'nmae: unknown key (did you mean "name"?)',
      'colour: unknown key',
      "tenant: must start with a lowercase letter or a digit, not 'A'",
      'model: must be a string, not the number 7 (quote it in YAML)',
      'metadata: must be an object, not an array',
      'interfaces.ui: unknown key',
      'interfaces.api: must be an absolute URL, not "not a url"',
      'interfaces.data_streams: must be a list, not a string',
      'dependencies.dynamics: unknown key (did you mean "dynamic"?)',
      "dependencies.static[1]: contains U+0020 at position 4; only letters, digits and '.', '_', ':', '-' are allowed",
      'relationships[1].target: required',
      'relationships[2]: must be an object, not a string',
      'groups[1]: must not be empty',
      'dimensions.floor: must be a string, number or boolean, not an object',
      'blocks[0]: needs "use" (a built-in block name) or "module_path"',
      'blocks[1]: give "use" or "module_path", not both',
      'blocks[2].version: must be a string, not the number 1 (quote it in YAML)',
      'status: must be active or deprecated, not "gone"',
    ]);
  });

  it('given values YAML can produce but JSON cannot hold, then metadata and params are refused', () => {
    expect(
      problemsOf(parseTwinSpec({ id: 'a', metadata: { max: Infinity }, blocks: [{ use: 'k', params: { at: new Date(0) } }] }, options)),
    ).toEqual(['metadata.max: must be JSON; Infinity is not a JSON number', 'blocks[0].params.at: must be JSON, not a Date']);
  });

  it('given bookkeeping fields of a stored twin, then they are ignored', () => {
    const { spec } = specOf(parseTwinSpec({ id: 'a', version: 4, createdAt: 1, updatedAt: 2 }, options));
    expect(spec).not.toHaveProperty('version');
    expect(spec).not.toHaveProperty('createdAt');
  });

  it('given optional keys left empty in YAML (null), then they count as absent', () => {
    const { spec } = specOf(parseTwinSpec({ id: 'a', name: null, model: null, metadata: null, groups: null, tenant: null }, options));
    expect(spec.name).toBe('a');
    expect(spec).not.toHaveProperty('model');
    expect(spec.metadata).toEqual({});
  });

  it('given something other than an object, then that is the one problem', () => {
    expect(problemsOf(parseTwinSpec(['a'], options))).toEqual([': a twin spec must be an object, not an array']);
    expect(problemsOf(parseTwinSpec(null, options))).toEqual([': a twin spec must be an object, not null']);
  });

  it('given relationship properties and a module_path block, then they are kept', () => {
    const { spec } = specOf(
      parseTwinSpec(
        {
          id: 'a',
          relationships: [{ name: 'feeds', target: 'b', properties: { pipe: 'DN50' } }],
          blocks: [{ module_path: './blocks/x.ts:X', version: '1.0.0' }],
        },
        options,
      ),
    );
    expect(spec.relationships).toEqual([{ name: 'feeds', target: 'b', properties: { pipe: 'DN50' } }]);
    expect(spec.blocks).toEqual([{ module_path: './blocks/x.ts:X', version: '1.0.0' }]);
  });
});
