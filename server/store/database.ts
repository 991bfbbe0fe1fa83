/**
 * Opens fleetwire's PostgreSQL database: a server (`DATABASE_URL`, through node-postgres) or the
 * embedded PGlite in a data directory. Both are reached through one Kysely instance with the
 * PostgreSQL dialect, so every statement and migration is the same on either engine.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations';
import type { Schema } from './schema';

/** Which engine holds the data. */
export type Engine = 'pglite' | 'postgres';

/** The channel on which a committed change is announced to every server instance (LISTEN/NOTIFY). */
export const CHANGES_CHANNEL = 'fleetwire_changes';

/** Who opens the database; an embedded database can be held by one process at a time. */
export type Holder = 'server' | 'cli';

/** Where the data is. */
export interface DatabaseLocation {
  /** A PostgreSQL URL; undefined for the embedded database. */
  url?: string;
  /** The embedded database's directory (used when there is no URL). */
  dataDir: string;
}

/** An open database: Kysely for queries, LISTEN for change notices, close. */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<Schema>;
  /** Where the data is, for messages (the URL without its password, or the directory). */
  readonly where: string;
  /**
   * Calls `onNotice` with the payload of every NOTIFY on `channel`, and `onReconnect` after the
   * listening connection was lost and is back (notices may have been missed meanwhile).
   */
  listen(channel: string, onNotice: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The database cannot be opened; the message says what to do. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/** Opens (creating or migrating as needed) the configured database. */
export async function openDatabase(location: DatabaseLocation, holder: Holder): Promise<Database> {
  const database = location.url ? await openServer(location.url) : await openEmbedded(location.dataDir, holder);
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

// ---- PostgreSQL server ------------------------------------------------------------------------

/** Connections in the pool: ingest's history writer, logins and admin calls share them. */
const POOL_SIZE = 10;
/** How long to wait for a connection before a request fails, ms. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Pause before the LISTEN connection tries again after losing the server, ms. */
const LISTEN_RETRY_MS = 1_000;

async function openServer(url: string): Promise<Database> {
  const where = redactDatabaseUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client that loses its server emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw new DatabaseUnavailableError(
      `PostgreSQL at ${where} does not answer (${(err as Error).message}): start it, or fix DATABASE_URL (unset it to use the embedded database).`,
    );
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<pg.Client>();
  return {
    engine: 'postgres',
    db,
    where,
    async listen(channel, onNotice, onReconnect) {
      let client: pg.Client | null = null;
      let stopped = false;
      const connect = async (): Promise<void> => {
        while (!stopped) {
          const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
          c.on('error', () => undefined);
          try {
            await c.connect();
            c.on('notification', (n) => {
              if (n.channel === channel) onNotice(n.payload ?? '');
            });
            c.on('end', () => {
              listeners.delete(c);
              if (stopped) return;
              // Lost the server: notices in between are unknown, so the listener reloads after reconnecting.
              setTimeout(() => void connect().then(() => onReconnect?.()), LISTEN_RETRY_MS).unref();
            });
            await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
            client = c;
            listeners.add(c);
            return;
          } catch {
            await c.end().catch(() => undefined);
            await new Promise((r) => setTimeout(r, LISTEN_RETRY_MS).unref());
          }
        }
      };
      await connect();
      return async () => {
        stopped = true;
        if (client) await client.end().catch(() => undefined);
      };
    },
    async close() {
      for (const c of listeners) await c.end().catch(() => undefined);
      await db.destroy();
    },
  };
}

// ---- embedded PGlite ----------------------------------------------------------------------------

/** The lock file in the data directory: the pid and role of the process that holds the database. */
const LOCK_FILE = 'fleetwire.lock';

/** What a lock file says. */
interface LockInfo {
  pid: number;
  holder: Holder;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory for this process. PGlite is one process's database: a second process
 * opening the same files would corrupt them, so the lock names the holder and is refused while it lives.
 */
async function lockDataDir(dataDir: string, holder: Holder): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, holder } satisfies LockInfo);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, mine, { flag: 'wx' });
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let info: LockInfo | null = null;
    try {
      info = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    } catch {
      // Unreadable: a crash while writing it; treat as stale.
    }
    if (info && info.pid !== process.pid && alive(info.pid)) {
      const who = info.holder === 'server' ? `a fleetwire server (pid ${info.pid})` : `another admin command (pid ${info.pid})`;
      throw new DatabaseUnavailableError(
        `The embedded database in ${dataDir} is in use by ${who}. ` +
          (holder === 'cli'
            ? 'Stop the server first, or use the admin page / the /api/admin API of the running server.'
            : 'Only one process can hold an embedded database: stop the other one, or use a PostgreSQL server (DATABASE_URL) for several instances.'),
      );
    }
    // The holder is gone (crashed or killed): the lock is stale.
    await rm(file, { force: true });
  }
  throw new DatabaseUnavailableError(`Could not take the lock ${file}; another process keeps taking it.`);
}

/**
 * Kysely's PostgreSQL dialect over PGlite: one connection, so a connection is lent to one caller at
 * a time (a transaction must not interleave with another caller's statements).
 */
class PGlitePool implements PostgresPool {
  readonly options = {};
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly pglite: PGlite) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const pglite = this.pglite;
    return {
      async query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        const result = await pglite.query<R>(sql, [...parameters]);
        const command = (/^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SELECT') as PostgresQueryResult<R>['command'];
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release: () => release(),
    } as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.queue;
  }
}

async function openEmbedded(dataDir: string, holder: Holder): Promise<Database> {
  const dir = path.resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const unlock = await lockDataDir(dir, holder);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(path.join(dir, 'pgdata'));
  } catch (err) {
    await unlock();
    throw new DatabaseUnavailableError(`The embedded database in ${dir} cannot be opened (${(err as Error).message}).`);
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) }) });
  return {
    engine: 'pglite',
    db,
    where: dir,
    async listen(channel, onNotice) {
      // One process holds an embedded database, so notices only ever come from this process.
      const unlisten = await pglite.listen(channel, onNotice);
      return async () => {
        await unlisten();
      };
    },
    async close() {
      await db.destroy();
      await pglite.close();
      await unlock();
    },
  };
}
