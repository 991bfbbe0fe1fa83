/**
 * Embedded databases for tests. A new PGlite data directory takes seconds to create, so one migrated
 * template is made per schema version (under .tmp/) and each test copies it, which takes milliseconds.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../server/store';
import { REPO_ROOT } from './paths';

const MIGRATIONS_DIR = path.join(REPO_ROOT, 'server/store/migrations');

function schemaVersion(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(readFileSync(path.join(MIGRATIONS_DIR, file)));
  return hash.digest('hex').slice(0, 12);
}

let template: Promise<string> | null = null;

/** The migrated template's directory, made once per schema version (several test processes may race: the first rename wins). */
export function templateDataDir(): Promise<string> {
  template ??= (async () => {
    const dir = path.join(REPO_ROOT, '.tmp', `pglite-template-${schemaVersion()}`);
    if (existsSync(path.join(dir, 'pgdata'))) return dir;
    await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true });
    const building = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'pglite-building-'));
    const db = await openDatabase({ dataDir: building }, 'server');
    await db.close();
    try {
      await rename(building, dir);
    } catch {
      // Another test process made it first.
      await rm(building, { recursive: true, force: true });
    }
    return dir;
  })();
  return template;
}

/** A fresh embedded data directory, migrated, in the system's temp dir; remove it when done. */
export async function freshDataDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const source = await templateDataDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetwire-data-'));
  await cp(source, dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh embedded database, open; `close` also removes its directory. */
export async function freshDatabase(): Promise<Database & { dir: string }> {
  const { dir, remove } = await freshDataDir();
  const db = await openDatabase({ dataDir: dir }, 'server');
  return {
    ...db,
    dir,
    async close() {
      await db.close();
      await remove();
    },
  };
}
