// The one typed doorway from a store to the Durable Object's SQLite: parameterised statements in,
// rows of the store's own row types out. Every *-store.ts holds one of these for its tables.
// Invariant: values only ever travel as parameters; a statement is never built from outside input.

type Row = Record<string, SqlStorageValue>;

export class SqlRows {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * All rows of a query. SQLite hands back plain records of SQL values; a store's row type lists
   * exactly its table's columns (or the query's aliases), so this is the single place that says so.
   */
  all<T extends object>(query: string, ...params: SqlStorageValue[]): T[] {
    return this.sql.exec<Row>(query, ...params).toArray() as unknown as T[];
  }

  one<T extends object>(query: string, ...params: SqlStorageValue[]): T | undefined {
    return this.all<T>(query, ...params)[0];
  }

  /** A write; returns how many rows it touched (the cursor is drained first so the count is final). */
  run(query: string, ...params: SqlStorageValue[]): number {
    const cursor = this.sql.exec(query, ...params);
    cursor.toArray();
    return cursor.rowsWritten;
  }
}
