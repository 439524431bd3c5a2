import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { applyMergePatch } from '../../../src/core/twin/merge-patch.ts';
import type { Json } from '../../../src/core/types.ts';

/** RFC 7396 Appendix A, verbatim; the columns are cut where the RFC puts them. */
const APPENDIX_A = `
   ORIGINAL        PATCH            RESULT
   ------------------------------------------
   {"a":"b"}       {"a":"c"}       {"a":"c"}

   {"a":"b"}       {"b":"c"}       {"a":"b",
                                    "b":"c"}

   {"a":"b"}       {"a":null}      {}

   {"a":"b",       {"a":null}      {"b":"c"}
    "b":"c"}

   {"a":["b"]}     {"a":"c"}       {"a":"c"}

   {"a":"c"}       {"a":["b"]}     {"a":["b"]}

   {"a": {         {"a": {         {"a": {
     "b": "c"}       "b": "d",       "b": "d"
   }                 "c": null}      }
                   }               }

   {"a": [         {"a": [1]}      {"a": [1]}
     {"b":"c"}
    ]
   }

   ["a","b"]       ["c","d"]       ["c","d"]

   {"a":"b"}       ["c"]           ["c"]

   {"a":"foo"}     null            null

   {"a":"foo"}     "bar"           "bar"

   {"e":null}      {"a":1}         {"e":null,
                                    "a":1}

   [1,2]           {"a":"b",       {"a":"b"}
                    "c":null}

   {}              {"a":            {"a":
                    {"bb":           {"bb":
                     {"ccc":          {}}}
                      null}}}
`;

function appendixCases(): { original: Json; patch: Json; result: Json }[] {
  const lines = APPENDIX_A.split('\n').slice(3);
  const cases: string[][] = [];
  let current: string[] | undefined;
  for (const line of [...lines, '']) {
    if (line.trim() === '') {
      if (current !== undefined) cases.push(current);
      current = undefined;
      continue;
    }
    current ??= ['', '', ''];
    current[0] += line.slice(0, 19);
    current[1] += line.slice(19, 35);
    current[2] += line.slice(35);
  }
  return cases.map(([o, p, r]) => ({
    original: JSON.parse(o ?? '') as Json,
    patch: JSON.parse(p ?? '') as Json,
    result: JSON.parse(r ?? '') as Json,
  }));
}

describe('applyMergePatch: RFC 7396 Appendix A', () => {
  const cases = appendixCases();

  it('reads all 15 examples of the appendix', () => {
    expect(cases).toHaveLength(15);
  });

  it.each(cases.map((c) => [JSON.stringify(c.original), JSON.stringify(c.patch), c] as const))(
    'original %s, patch %s',
    (_o, _p, { original, patch, result }) => {
      expect(applyMergePatch(original, patch)).toEqual(result);
    },
  );
});

describe('applyMergePatch: RFC 7396 §3 example', () => {
  it('changes the title, removes the family name, replaces the tags and adds a phone number', () => {
    const target = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };
    expect(applyMergePatch(target, patch)).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });
});

describe('applyMergePatch: details', () => {
  it('treats an absent target as a missing member', () => {
    expect(applyMergePatch(undefined, { a: { b: null, c: 1 } })).toEqual({ a: { c: 1 } });
  });

  it('keeps the target member order and appends new members', () => {
    const out = applyMergePatch({ a: 1, b: 2, c: 3 }, { d: 4, a: 9 });
    expect(Object.keys(out as object)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('treats "__proto__" as an ordinary member, never as the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as Json;
    const out = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;

function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== null) Object.defineProperty(out, k, { value: withoutNulls(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** `doc` holds every member the patch sets, with the value the patch gives it. */
function contains(doc: Json, patch: Json): boolean {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return isDeepStrictEqual(doc, patch);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  return Object.keys(patch).every((k) => Object.hasOwn(doc, k) && contains(doc[k] as Json, patch[k] as Json));
}

describe('applyMergePatch: laws', () => {
  it('is idempotent: applying a patch twice is applying it once', () => {
    fc.assert(
      fc.property(json, json, (target, patch) => {
        const once = applyMergePatch(target, patch);
        expect(applyMergePatch(once, patch)).toEqual(once);
      }),
    );
  });

  it('a patch without nulls yields a document containing the patch', () => {
    fc.assert(
      fc.property(json, json.map(withoutNulls), (target, patch) => {
        expect(contains(applyMergePatch(target, patch), patch)).toBe(true);
      }),
    );
  });

  it('the empty patch leaves an object as it is', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json) as fc.Arbitrary<Json>, (target) => {
        expect(applyMergePatch(target, {})).toEqual(target);
      }),
    );
  });

  it('changes neither the target nor the patch', () => {
    fc.assert(
      fc.property(json, json, (target, patch) => {
        const before = structuredClone([target, patch]);
        applyMergePatch(target, patch);
        expect([target, patch]).toEqual(before);
      }),
    );
  });
});
