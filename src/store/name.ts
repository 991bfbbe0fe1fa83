/**
 * The name of an operator's IndexedDB database, apart from the schema and idb: the login page deletes
 * another operator's database by name and must not load idb for it.
 */

/** The database name of one operator in one tenant (design.md). */
export function databaseName(tenant: string, username: string): string {
  return `fleetwire:${tenant}:${username}`;
}
