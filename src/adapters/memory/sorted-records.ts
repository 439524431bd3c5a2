import type { Page } from '../../core/types.ts';
import { decodeCursor, encodeCursor, type PageKey } from '../paging.ts';

/** Keyed records kept sorted by (tenant, id), the order pages come in. */
export class SortedRecords<T extends PageKey> {
  readonly #items: T[] = [];

  get(tenant: string, id: string): T | undefined {
    const i = this.#lowerBound(tenant, id);
    const item = this.#items[i];
    return item !== undefined && item.tenant === tenant && item.id === id ? item : undefined;
  }

  put(item: T): void {
    const i = this.#lowerBound(item.tenant, item.id);
    const found = this.#items[i];
    if (found !== undefined && found.tenant === item.tenant && found.id === item.id) this.#items[i] = item;
    else this.#items.splice(i, 0, item);
  }

  delete(tenant: string, id: string): boolean {
    const i = this.#lowerBound(tenant, id);
    const found = this.#items[i];
    if (found === undefined || found.tenant !== tenant || found.id !== id) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** Up to `limit` matching items after `cursor`, and whether another one follows. */
  page(cursor: string | undefined, limit: number, matches: (item: T) => boolean): Page<T> {
    let i = 0;
    if (cursor !== undefined) {
      const after = decodeCursor(cursor);
      i = this.#lowerBound(after.tenant, after.id);
      const at = this.#items[i];
      if (at !== undefined && at.tenant === after.tenant && at.id === after.id) i++;
    }
    const items: T[] = [];
    for (; i < this.#items.length; i++) {
      const item = this.#items[i] as T;
      if (!matches(item)) continue;
      if (items.length === limit) {
        const last = items[items.length - 1] as T;
        return { items, next: encodeCursor(last) };
      }
      items.push(item);
    }
    return { items };
  }

  // JS compares UTF-16 code units: for the ASCII tenants and ids DESIGN.md §4 allows, that is the byte order
  // SQLite and PostgreSQL (COLLATE "C") page in.
  #lowerBound(tenant: string, id: string): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const item = this.#items[mid] as T;
      if (item.tenant < tenant || (item.tenant === tenant && item.id < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
