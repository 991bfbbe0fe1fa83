/**
 * PostgreSQL for tests: is the machine's server there (skip loudly, or fail under CI), and a fresh
 * database per test file, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The server the tests create their databases on: `TEST_DATABASE_URL` (any database the user may
 * connect to, with the right to create databases), else the local superuser with trust auth.
 */
export const POSTGRES_BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** How long to wait for the server to answer, ms: a local server answers at once, so a second means it is not there. */
const CONNECT_TIMEOUT_MS = 1_000;

/** Every test database's name starts with this, so leftovers of a killed run are easy to find and drop. */
const DATABASE_PREFIX = 'fwtest_';

/** `base` with another database name (and nothing else changed). */
function withDatabase(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The base URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'TEST_DATABASE_URL';
  }
}

/** Runs `work` on one connection to the base database, then closes it. */
async function onBase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_BASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A server that goes away mid-test emits 'error' on the client; the pending query rejects with it anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL at `url` cannot run `select 1` within a second (nothing answers, or it refuses the login), or null when it can. */
export async function postgresProblem(url = POSTGRES_BASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Answers whether PostgreSQL at `url` runs `select 1` within a second. */
export async function postgresAnswers(url = POSTGRES_BASE_URL): Promise<boolean> {
  return (await postgresProblem(url)) === null;
}

/**
 * True when the PostgreSQL server answers. Otherwise: under CI (`CI=true`, where CI starts
 * PostgreSQL) it throws, so the suite fails instead of silently passing; elsewhere it warns loudly
 * and the caller skips its PostgreSQL tests.
 */
export async function requirePostgres(suite: string): Promise<boolean> {
  const problem = await postgresProblem();
  if (problem === null) return true;
  const why = `PostgreSQL at ${redacted(POSTGRES_BASE_URL)} cannot be used (${problem})`;
  if (process.env.CI === 'true') {
    throw new Error(`${suite}: ${why}, and CI=true: CI must start PostgreSQL before the tests.`);
  }
  console.warn(
    `\n*** SKIPPING the PostgreSQL half of ${suite}: ${why}. Start PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) ` +
      `or set TEST_DATABASE_URL to run the store against a PostgreSQL server. ***\n`,
  );
  return false;
}

/** A database of its own for one test file. */
export interface FreshDatabase {
  name: string;
  url: string;
  /** Ends every connection still open to it and drops it. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database with a name no other run uses, e.g. `fwtest_history_1234_ab12cd34`;
 * `label` (letters and digits are kept) says which file made it.
 */
export async function freshDatabase(label = 'store'): Promise<FreshDatabase> {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 24);
  const name = `${DATABASE_PREFIX}${slug ? `${slug}_` : ''}${process.pid}_${randomBytes(4).toString('hex')}`;
  await onBase((client) => client.query(`create database ${pg.escapeIdentifier(name)}`));
  return {
    name,
    url: withDatabase(POSTGRES_BASE_URL, name),
    async drop() {
      await onBase(async (client) => {
        // A handle a failed test left open would make DROP DATABASE wait or fail: end those first.
        await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        await client.query(`drop database if exists ${pg.escapeIdentifier(name)}`);
      });
    },
  };
}
