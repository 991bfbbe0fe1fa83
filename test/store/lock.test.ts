// The embedded database's lock: one process at a time, the admin command told clearly when a server holds it, a dead holder's lock taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addTenant, listTenants } from '../../server/store/accounts';
import { DatabaseUnavailableError, openDatabase, type Database, type Holder } from '../../server/store/database';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOLDER_SCRIPT = fileURLToPath(new URL('./hold-database.ts', import.meta.url));
/** The lock file's name in the data directory (server/store/database.ts). */
const LOCK_FILE = 'fleetwire.lock';
/** How long a holder may take to open the database: tsx's start plus PGlite's (seconds for a new directory). */
const READY_MS = 45_000;

let dataDir = '';
let children: ChildProcess[] = [];

/** Starts a process holding `dataDir` as `holder`; resolves once it holds it. */
async function holdInChild(holder: Holder): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER_SCRIPT, dataDir, holder], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the holder did not open ${dataDir} within ${READY_MS} ms:\n${output}`)), READY_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the holder exited (${code ?? signal}) before holding ${dataDir}:\n${output}`));
    });
  });
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function lockFile(): Promise<unknown> {
  return JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8'));
}

/** Why opening `dataDir` as `holder` fails, or null when it opens (then it is closed again). */
async function refusal(holder: Holder): Promise<unknown> {
  let opened: Database;
  try {
    opened = await openDatabase({ dataDir }, holder);
  } catch (err) {
    return err;
  }
  await opened.close();
  return null;
}

describe('PGlite data directory lock', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'fleetwire-lock-'));
    // Created (and migrated) once here, so each holder below only reopens it.
    const database = await openDatabase({ dataDir }, 'server');
    await addTenant(database.db, 'cli', 'kept');
    await database.close();
  });

  afterEach(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    children = [];
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses the admin command while a server holds the directory, saying a server holds it, and lets it in once the server stops', async () => {
    const server = await holdInChild('server');
    expect(await lockFile()).toEqual({ pid: server.pid, holder: 'server' });

    const err = await refusal('cli');
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    const message = (err as Error).message;
    expect(message).toContain(dataDir);
    expect(message).toContain(`in use by a fleetwire server (pid ${server.pid})`);
    expect(message).toContain('Stop the server first');
    // A second server is refused as well, pointed at PostgreSQL for several instances.
    const second = await refusal('server');
    expect(second).toBeInstanceOf(DatabaseUnavailableError);
    expect((second as Error).message).toContain('DATABASE_URL');
    // The refused opens left the server's lock alone.
    expect(await lockFile()).toEqual({ pid: server.pid, holder: 'server' });

    server.stdin?.end();
    expect(await exited(server)).toBe(0);
    await expect(readFile(path.join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    const cli = await openDatabase({ dataDir }, 'cli');
    try {
      expect(await listTenants(cli.db)).toContainEqual({ id: 'kept', name: 'kept' });
    } finally {
      await cli.close();
    }
  });

  it('names another admin command as the holder when one holds it', async () => {
    const cli = await holdInChild('cli');
    const err = await refusal('cli');
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toContain(`in use by another admin command (pid ${cli.pid})`);
  });

  it('takes over the lock of a server that was killed, keeping the data', async () => {
    const server = await holdInChild('server');
    server.kill('SIGKILL');
    await exited(server);
    // The lock file outlives its holder and still names the dead pid.
    expect(await lockFile()).toEqual({ pid: server.pid, holder: 'server' });

    const cli = await openDatabase({ dataDir }, 'cli');
    try {
      expect(await lockFile()).toEqual({ pid: process.pid, holder: 'cli' });
      expect(await listTenants(cli.db)).toContainEqual({ id: 'kept', name: 'kept' });
    } finally {
      await cli.close();
    }
    await expect(readFile(path.join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock file left unreadable by a crash while writing it', async () => {
    await writeFile(path.join(dataDir, LOCK_FILE), '{"pid": 12');
    const database = await openDatabase({ dataDir }, 'server');
    try {
      expect(await lockFile()).toEqual({ pid: process.pid, holder: 'server' });
    } finally {
      await database.close();
    }
  });
});
