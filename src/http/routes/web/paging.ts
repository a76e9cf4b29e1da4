import type { PagerView } from '../../../web/components.ts';

export interface ListPageOptions<T> {
  /** The list's path, e.g. `/admin/sessions`. */
  path: string;
  /** The list's filter as query parameters; kept in every paging link. */
  filter: Readonly<Record<string, string | undefined>>;
  /** Up to `pageSize + 1` rows after the cursor: one more than shown tells that an older page exists. */
  rows: readonly T[];
  pageSize: number;
  /** The cursor this page was asked for, if any (then a link back to the newest page is offered). */
  after: string | undefined;
  /** The cursor that follows a row (the next page starts after it). */
  cursorOf(row: T): string;
  summary(count: number, more: boolean): string;
  label: string;
}

export interface ListPage<T, F> {
  rows: T[];
  filter: F;
  pager: PagerView;
}

/**
 * One page of a list paged by cursor, newest first (keyset paging: a page's links stay right
 * while rows are added), with the filter kept in both links: the next (older) page, and back
 * to the newest.
 */
export function listPage<T, F extends Readonly<Record<string, string | undefined>>>(options: ListPageOptions<T> & { filter: F }): ListPage<T, F> {
  const rows = options.rows.slice(0, options.pageSize);
  const more = options.rows.length > options.pageSize;
  const href = (after: string | undefined): string => {
    const query = new URLSearchParams(Object.entries(options.filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
    if (after !== undefined) query.set('after', after);
    return query.size === 0 ? options.path : `${options.path}?${query}`;
  };
  return {
    rows,
    filter: options.filter,
    pager: {
      firstHref: options.after === undefined ? undefined : href(undefined),
      nextHref: more && rows.length > 0 ? href(options.cursorOf(rows[rows.length - 1]!)) : undefined,
      summary: options.summary(rows.length, more),
      label: options.label,
    },
  };
}
