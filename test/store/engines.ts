/**
 * The store under test on both engines: PGlite in a temporary directory and a fresh PostgreSQL
 * database, one of each per test file (a new PGlite data directory takes seconds to create), with
 * a distinct tenant per test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { openDatabase, type Database, type DatabaseLocation, type Engine } from '../../server/store/database';
import { StoreError, type StoreErrorCode } from '../../server/store/errors';
import type { Schema } from '../../server/store/schema';
import { freshDatabase, requirePostgres, type FreshDatabase } from '../support/postgres';

/** The rows of `describe.each`: a title and the engine. */
export const ENGINES: [title: string, engine: Engine][] = [
  ['PGlite', 'pglite'],
  ['PostgreSQL', 'postgres'],
];

/** One engine's database for the tests of one file. */
export interface StoreUnderTest {
  readonly engine: Engine;
  /** Where the data is: the temporary directory or the fresh database's URL. */
  readonly location: DatabaseLocation;
  /** The handle opened before the first test (replaced by `reopen`). */
  readonly database: Database;
  readonly db: Kysely<Schema>;
  /**
   * A second handle on the same data, as a second server instance has: another openDatabase on the
   * URL for PostgreSQL; for PGlite the same handle, since one process holds an embedded database.
   */
  other(): Promise<Database>;
  /** Closes every handle and opens the same data again, as a restarted server does. */
  reopen(): Promise<Database>;
  /** A tenant id no other test of this file uses. */
  tenant(): string;
}

/**
 * Opens the engine's database before the file's first test and removes it after the last; under
 * `describe.each(ENGINES)`. PostgreSQL tests are skipped (loudly) when no server answers, outside CI.
 */
export function useStore(engine: Engine, suite: string): StoreUnderTest {
  let available = engine === 'pglite';
  let location: DatabaseLocation | null = null;
  let database: Database | null = null;
  let second: Database | null = null;
  let fresh: FreshDatabase | null = null;
  let tenants = 0;

  beforeAll(async () => {
    if (engine === 'postgres') {
      available = await requirePostgres(suite);
      if (!available) return;
      fresh = await freshDatabase(path.basename(suite, '.test.ts'));
      location = { url: fresh.url, dataDir: '' };
    } else {
      location = { dataDir: await mkdtemp(path.join(tmpdir(), 'fleetwire-store-')) };
    }
    database = await openDatabase(location, 'server');
  });

  beforeEach((context) => {
    if (!available) context.skip('no PostgreSQL server answers');
  });

  const closeAll = async () => {
    await second?.close();
    second = null;
    await database?.close();
    database = null;
  };

  afterAll(async () => {
    await closeAll();
    await fresh?.drop();
    if (engine === 'pglite' && location) await rm(location.dataDir, { recursive: true, force: true });
  });

  const opened = (): Database => {
    if (!database) throw new Error('The store is not open (its beforeAll failed, or a test closed it).');
    return database;
  };

  return {
    engine,
    get location() {
      if (!location) throw new Error('The store is not set up yet.');
      return location;
    },
    get database() {
      return opened();
    },
    get db() {
      return opened().db;
    },
    async other() {
      if (engine === 'pglite') return opened();
      second ??= await openDatabase(this.location, 'server');
      return second;
    },
    async reopen() {
      await closeAll();
      database = await openDatabase(this.location, 'server');
      return database;
    },
    tenant() {
      tenants++;
      return `t${tenants}-${engine}`;
    },
  };
}

/** Tables an admin action writes to. */
const ADMIN_TABLES = ['tenants', 'operators', 'device_keys', 'trucks', 'transfers', 'audit_log'] as const;

/** How many rows each admin table holds: a refused call must leave these as they were. */
export async function rowCounts(db: Kysely<Schema>): Promise<Record<(typeof ADMIN_TABLES)[number], number>> {
  const counts = {} as Record<(typeof ADMIN_TABLES)[number], number>;
  for (const table of ADMIN_TABLES) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    counts[table] = Number(rows[0]?.n);
  }
  return counts;
}

/**
 * Expects `call` to be refused with a StoreError of this code and field, and nothing to be written:
 * every admin table has as many rows afterwards as before.
 */
export async function expectRefused(db: Kysely<Schema>, call: () => Promise<unknown>, code: StoreErrorCode, field: string): Promise<StoreError> {
  const before = await rowCounts(db);
  let refusal: unknown = null;
  try {
    await call();
  } catch (err) {
    refusal = err;
  }
  expect(refusal, 'the call was not refused').toBeInstanceOf(StoreError);
  const err = refusal as StoreError;
  expect({ code: err.code, field: err.field }, err.message).toEqual({ code, field });
  expect(await rowCounts(db), `"${err.message}" left rows behind`).toEqual(before);
  return err;
}

/** Polls `check` every 20 ms until it is true or `ms` have passed; resolves with its last answer. */
export async function within(ms: number, check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
