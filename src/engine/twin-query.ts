import { compileExpression, type CompiledExpression } from '../core/expr/compile.ts';
import { ErrorCode, ValidationError } from '../core/errors.ts';
import { isJsonObject } from '../core/json.ts';
import { computeDelta, type StoredShadow } from '../core/twin/shadow-document.ts';
import type { Json, Page, Twin } from '../core/types.ts';
import type { Registry } from './registry.ts';
import type { ShadowService } from './shadows.ts';

export interface TwinQueryParams {
  tenant: string;
  model?: string;
  group?: string;
  dimensions?: Record<string, string>;
  /** An expression on `reported.*`, `desired.*`, `delta.*`, `dimensions.*`, `metadata.*`, `id`, `model`. */
  where?: string;
  /** `name:target`: twins with that relationship to that target (`*` for any target). */
  related?: string;
  /** `name:source`: twins that `source` has that relationship to (the other direction). */
  relatedFrom?: string;
  limit?: number;
  /** Opaque: the `next` of the previous page. */
  cursor?: string;
}

const SCAN_PAGE = 500;

/** Compiles a `where` expression or throws a 400 naming the column. */
export function compileWhere(text: string): CompiledExpression {
  const result = compileExpression(text);
  if (!result.ok) throw new ValidationError(ErrorCode.InvalidRequest, `query.where: ${result.problems.map((p) => p.message).join('; ')}`, result.problems.map((p) => ({ ...p, path: 'query.where' })));
  return result.expression;
}

function relation(text: string, path: string): { name: string; other: string } {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1) throw new ValidationError(ErrorCode.InvalidRequest, `${path}: must be name:twin`, [{ path, message: 'must be name:twin (for example locatedIn:building-7)' }]);
  return { name: text.slice(0, i), other: text.slice(i + 1) };
}

/**
 * Twins of one tenant by registry attributes, relationships (either direction) and an expression on their state.
 * The cursor is the last id returned, so a page never repeats or skips a twin when others are filtered out.
 */
export async function queryTwins(registry: Registry, shadows: ShadowService, params: TwinQueryParams): Promise<Page<Twin>> {
  const limit = params.limit ?? 100;
  const where = params.where === undefined || params.where === '' ? undefined : compileWhere(params.where);
  const related = params.related === undefined ? undefined : relation(params.related, 'query.related');
  let targets: Set<string> | undefined;
  if (params.relatedFrom !== undefined) {
    const { name, other } = relation(params.relatedFrom, 'query.relatedFrom');
    const source = registry.peek(params.tenant, other);
    targets = new Set((source?.relationships ?? []).filter((r) => r.name === name).map((r) => r.target));
  }
  const after = params.cursor === undefined ? undefined : Buffer.from(params.cursor, 'base64url').toString('utf8');
  const items: Twin[] = [];
  let storeCursor: string | undefined;
  let more = false;
  scan: do {
    const page = await registry.list({
      tenant: params.tenant,
      limit: SCAN_PAGE,
      ...(params.model === undefined ? {} : { model: params.model }),
      ...(params.group === undefined ? {} : { group: params.group }),
      ...(params.dimensions === undefined ? {} : { dimensions: params.dimensions }),
      ...(storeCursor === undefined ? {} : { cursor: storeCursor }),
    });
    for (const twin of page.items) {
      if (after !== undefined && twin.id <= after) continue;
      if (targets !== undefined && !targets.has(twin.id)) continue;
      if (related !== undefined && !twin.relationships.some((r) => r.name === related.name && (related.other === '*' || r.target === related.other))) continue;
      if (where !== undefined && !matches(where, twin, await shadows.peek(params.tenant, twin.id))) continue;
      if (items.length === limit) {
        more = true;
        break scan;
      }
      items.push(twin);
    }
    storeCursor = page.next;
  } while (storeCursor !== undefined);
  const last = items[items.length - 1];
  return { items, ...(more && last !== undefined ? { next: Buffer.from(last.id, 'utf8').toString('base64url') } : {}) };
}

function matches(where: CompiledExpression, twin: Twin, shadow: StoredShadow | undefined): boolean {
  const roots: Record<string, Json | undefined> = {
    reported: shadow?.reported,
    desired: shadow?.desired,
    delta: shadow === undefined ? undefined : computeDelta(shadow.desired, shadow.reported),
    dimensions: twin.dimensions,
    metadata: twin.metadata,
    id: twin.id,
    model: twin.model,
    name: twin.name,
    status: twin.status,
  };
  const scope = (path: string): unknown => {
    const parts = path.split('.');
    let current: Json | undefined = roots[parts[0]!];
    for (const part of parts.slice(1)) {
      if (!isJsonObject(current)) return undefined;
      current = current[part];
    }
    return current ?? undefined;
  };
  try {
    return where.evaluate(scope) === true;
  } catch {
    // A twin whose state has the wrong type for the expression does not match; it does not fail the query.
    return false;
  }
}
