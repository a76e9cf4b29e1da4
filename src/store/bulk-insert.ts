import { CompiledQuery, type Insertable, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

type Row<Table extends keyof Database> = Insertable<Database[Table]>;
type Column<Table extends keyof Database> = keyof Row<Table> & string;

/** Inserts many rows of one table in as few statements as `maxRows` allows; on `trx` when given (a transaction of the caller's). */
export type BulkInsert<R> = (rows: readonly R[], trx?: Kysely<Database>) => Promise<void>;

/** Like {@link BulkInsert}, skipping rows whose key is taken; resolves to the keys it inserted. */
export type BulkInsertSkippingDuplicates<R> = (rows: readonly R[], trx?: Kysely<Database>) => Promise<ReadonlySet<string>>;

/**
 * A multi-row INSERT whose SQL text is compiled once per row count and then only given new
 * parameters. Kysely rebuilds and compiles a query's syntax tree at every execution — for a
 * batch of STS credentials that is 17 value nodes a row. The hot batched writers (credentials,
 * audit events) use this; everything else stays on the query builder.
 *
 * Every row binds every listed column (a missing value binds NULL), so the parameter order
 * is fixed: row by row, in the order of `columns`. Kysely still writes the SQL, so quoting
 * and placeholders (`?` or `$n`) follow the dialect.
 */
export function createBulkInsert<Table extends keyof Database & string>(
  db: Kysely<Database>,
  table: Table,
  columns: ReadonlyArray<Column<Table>>,
  maxRows: number,
): BulkInsert<Row<Table>> {
  const statement = compiledPerRowCount(columns, (placeholders) => db.insertInto(table).values(placeholders as never).compile());
  return async (rows, trx = db) => {
    for (const chunk of chunks(rows, maxRows)) await trx.executeQuery(statement(chunk));
  };
}

/**
 * The same, with `ON CONFLICT (key) DO NOTHING RETURNING key` (SQLite ≥ 3.35 and PostgreSQL
 * both): a row whose key exists is skipped instead of failing the whole batch, and the caller
 * learns which rows went in.
 */
export function createBulkInsertSkippingDuplicates<Table extends keyof Database & string>(
  db: Kysely<Database>,
  table: Table,
  columns: ReadonlyArray<Column<Table>>,
  key: Column<Table>,
  maxRows: number,
): BulkInsertSkippingDuplicates<Row<Table>> {
  const statement = compiledPerRowCount(columns, (placeholders) =>
    db
      .insertInto(table)
      .values(placeholders as never)
      .onConflict((conflict) => conflict.column(key as never).doNothing())
      .returning(key as never)
      .compile(),
  );
  return async (rows, trx = db) => {
    const inserted = new Set<string>();
    for (const chunk of chunks(rows, maxRows)) {
      const result = await trx.executeQuery<Record<string, unknown>>(statement(chunk));
      for (const row of result.rows) inserted.add(String(row[key]));
    }
    return inserted;
  };
}

function compiledPerRowCount(columns: readonly string[], compile: (placeholders: ReadonlyArray<Record<string, null>>) => CompiledQuery): (rows: readonly object[]) => CompiledQuery {
  const texts = new Map<number, string>();
  const placeholderRow = Object.fromEntries(columns.map((column) => [column, null]));
  return (rows) => {
    let text = texts.get(rows.length);
    if (text === undefined) {
      const query = compile(Array.from({ length: rows.length }, () => placeholderRow));
      // A guard on the fixed order this relies on: one parameter per column per row.
      if (query.parameters.length !== rows.length * columns.length) {
        throw new Error(`bulk insert: expected ${rows.length * columns.length} parameters, Kysely compiled ${query.parameters.length}`);
      }
      text = query.sql;
      texts.set(rows.length, text);
    }
    const parameters: unknown[] = [];
    for (const row of rows) {
      const values = row as Record<string, unknown>;
      for (const column of columns) parameters.push(values[column] ?? null);
    }
    return CompiledQuery.raw(text, parameters);
  };
}

function* chunks<T>(rows: readonly T[], size: number): Generator<readonly T[]> {
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}
