/**
 * The schema's migrations, applied in order at start by Kysely's Migrator, each in its own
 * transaction and recorded in `kysely_migration`, so a database always says which version it is.
 * A list, not a folder scan: the bundled server carries them with it.
 */
import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely';
import * as m0001 from './0001-core';
import * as m0002 from './0002-alerts';

const MIGRATIONS: Record<string, Migration> = {
  '0001-core': m0001,
  '0002-alerts': m0002,
};

/** Applies every pending migration; throws naming the one that failed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator runs before the schema exists
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'a migration';
    throw new Error(`The database could not be migrated (${failed}): ${error instanceof Error ? error.message : String(error)}`);
  }
}
