import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanTwinFiles } from '../../src/registry/scan.ts';
import type { ScannedTwin } from '../../src/registry/scan.ts';
import { ErrorCode, TwinflowError } from '../../src/core/errors.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twinflow-scan-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(rel: string, text: string): Promise<void> {
  await mkdir(dirname(join(dir, rel)), { recursive: true });
  await writeFile(join(dir, rel), text);
}

function lines(scanned: ScannedTwin): string[] {
  if (scanned.result.ok) throw new Error(`${scanned.file} parsed without problems`);
  return scanned.result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('scanTwinFiles', () => {
  it('given twin files at several depths, then each is found once, sorted by path, and parsed', async () => {
    await put('lift/twin.yaml', 'id: lift-001\nmodel: lift\n');
    await put('b/deep/er/twin.yml', '"@id": hvac-1\ntenant: acme\n');
    await put('a/twin.yaml', 'id: motor-001\ndimensions: {floor: 2}\n');
    await put('a/other.yaml', 'id: not-a-twin\n');
    await put('twin.yaml.bak', 'id: backup\n');

    const scanned = await scanTwinFiles(dir);

    expect(scanned.map((s) => s.file)).toEqual([join(dir, 'a/twin.yaml'), join(dir, 'b/deep/er/twin.yml'), join(dir, 'lift/twin.yaml')]);
    expect(scanned.map((s) => (s.result.ok ? `${s.result.tenant}/${s.result.spec.id}` : 'problems'))).toEqual([
      'default/motor-001',
      'acme/hvac-1',
      'default/lift-001',
    ]);
    const first = scanned[0]?.result;
    expect(first?.ok && first.spec.dimensions).toEqual({ floor: '2' });
  });

  it('given twin files inside node_modules and dot-folders, then they are skipped', async () => {
    await put('node_modules/pkg/twin.yaml', 'id: from-a-package\n');
    await put('.git/twin.yaml', 'id: from-git\n');
    await put('sub/.cache/twin.yaml', 'id: from-cache\n');
    await put('sub/twin.yaml', 'id: real\n');

    const scanned = await scanTwinFiles(dir);

    expect(scanned.map((s) => s.file)).toEqual([join(dir, 'sub/twin.yaml')]);
  });

  it('given a symbolic link to a folder, then it is not followed; a link to a twin file is read', async () => {
    await put('real/twin.yaml', 'id: real\n');
    await symlink(join(dir, 'real'), join(dir, 'loop'));
    await mkdir(join(dir, 'linked'));
    await symlink(join(dir, 'real/twin.yaml'), join(dir, 'linked/twin.yaml'));

    const scanned = await scanTwinFiles(dir);

    expect(scanned.map((s) => s.file)).toEqual([join(dir, 'linked/twin.yaml'), join(dir, 'real/twin.yaml')]);
    expect(lines(scanned[1] as ScannedTwin)).toEqual([`${join(dir, 'real/twin.yaml')}:1:5: id: real is already defined in ${join(dir, 'linked/twin.yaml')}`]);
  });

  it('given an invalid spec, then each problem is prefixed with the file, line and column', async () => {
    await put(
      'lift/twin.yaml',
      ['id: lift-001', 'relationships:', '  - {name: locatedIn, target: building-7}', '  - {name: feeds}', 'colour: red', ''].join('\n'),
    );

    const [scanned] = await scanTwinFiles(dir);
    const file = join(dir, 'lift/twin.yaml');

    expect(lines(scanned as ScannedTwin)).toEqual([`${file}:5:9: colour: unknown key`, `${file}:4:5: relationships[1].target: required`]);
  });

  it('given a YAML syntax error, then the problem names file, line and column', async () => {
    await put('bad/twin.yaml', 'id: bad\nmetadata: {a: 1\nname: x\n');

    const [scanned] = await scanTwinFiles(dir);

    expect(lines(scanned as ScannedTwin)).toEqual([
      `${join(dir, 'bad/twin.yaml')}:3:1: Flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });

  it('given a file that is not a mapping, then the problem names the file', async () => {
    await put('x/twin.yaml', '- a\n');

    const [scanned] = await scanTwinFiles(dir);

    expect(lines(scanned as ScannedTwin)).toEqual([`${join(dir, 'x/twin.yaml')}:1:1: a twin spec must be an object, not an array`]);
  });

  it('given the same id in two tenants, then both are fine', async () => {
    await put('a/twin.yaml', 'id: pump\ntenant: a\n');
    await put('b/twin.yaml', 'id: pump\ntenant: b\n');

    expect((await scanTwinFiles(dir)).every((s) => s.result.ok)).toBe(true);
  });

  it('given a default tenant, then twins without a tenant get it', async () => {
    await put('a/twin.yaml', 'id: pump\n');

    const [scanned] = await scanTwinFiles(dir, { defaultTenant: 'plant-7' });

    expect(scanned?.result.ok && scanned.result.tenant).toBe('plant-7');
  });

  it('given a folder that does not exist, then the error names it', async () => {
    const missing = join(dir, 'nope');
    const error = await scanTwinFiles(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwinflowError);
    expect((error as TwinflowError).code).toBe(ErrorCode.InvalidConfig);
    expect((error as Error).message).toBe(`cannot scan twins in ${missing}: no such folder`);
  });
});
