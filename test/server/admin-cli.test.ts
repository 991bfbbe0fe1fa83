// The admin command as an admin runs it (a child process on an embedded database), and the transfer file checks behind `transfer import`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLogin, addTenant } from '../../server/store/accounts';
import { listAudit } from '../../server/store/audit';
import { openDatabase, type Database } from '../../server/store/database';
import { hashDeviceKey, listDeviceKeys } from '../../server/store/device-keys';
import { addTruck, listTransfers } from '../../server/store/fleet';
import { verifyPassword } from '../../server/passwords';
import { CSV_COLUMNS, MAX_TRANSFERS_PER_FILE, parseTransferFile } from '../../server/transfer-file';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Generous per test: each CLI run starts tsx (1–2 s) and reopens PGlite (~1 s), several times that while other test files share the cores. */
const CLI_TEST_MS = 120_000;

let dir: string;
let dataDir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin command (node + tsx, or `npm run --silent admin`) on the test's data directory. */
function admin(args: string[], options: { stdin?: string; via?: 'node' | 'npm' } = {}): Promise<Run> {
  const [cmd, argv] =
    options.via === 'npm'
      ? [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'admin', '--', ...args]]
      : [process.execPath, ['--import', 'tsx', 'server/admin-cli.ts', ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: ROOT,
      // DATABASE_URL emptied: the machine's own setting must not send the test to a real server.
      env: { ...process.env, FLEETWIRE_DATA_DIR: dataDir, DATABASE_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`admin ${args.join(' ')} did not finish; stderr: ${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Opens the test's database in this process (no CLI may run meanwhile: one holder at a time). */
async function withDb<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ dataDir }, 'cli');
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetwire-admin-'));
  dataDir = path.join(dir, 'data');
  // One data directory for the file (creating one costs seconds); each test has its own tenants.
  await withDb(async ({ db }) => {
    for (const tenant of ['ops', 'fleet', 'plans', 'held']) await addTenant(db, 'test', tenant);
    await addTruck(db, 'test', 'plans', { id: 'hh-01', name: 'Hamburg 1' });
    await addTruck(db, 'test', 'plans', { id: 'hh-02', name: 'Hamburg 2', reeferSetpointC: 4 });
  });
}, 90_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('admin command line', () => {
  it('prints its usage for --help, and refuses unknown commands and flags and missing arguments with exit 2', { timeout: CLI_TEST_MS }, async () => {
    // None of these opens the database, so they may run side by side.
    const [help, unknownCommand, unknownFlag, missingArg] = await Promise.all([
      admin(['--help']),
      admin(['fleet', 'add', 'ops']),
      admin(['tenant', 'add', 'ops2', '--colour', 'red']),
      admin(['operator', 'remove', 'ops']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: npm run admin -- <command>');
    expect(help.stdout).toContain('transfer import <tenant> <file.csv|file.json>');

    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^fleetwire admin: unknown command "fleet add"; the commands are tenant add, operator add/);
    expect(unknownCommand.stderr).toContain('usage: npm run admin -- <command>');

    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/^fleetwire admin: Unknown option '--colour' for tenant add \(it takes --name\)\./);
    expect(unknownFlag.stderr).toContain('usage:');

    expect(missingArg.code).toBe(2);
    expect(missingArg.stderr).toMatch(/^fleetwire admin: operator remove needs <username>\./);
  });

  it('adds a tenant (through npm run admin) and refuses the same tenant twice', { timeout: CLI_TEST_MS }, async () => {
    const added = await admin(['tenant', 'add', 'fresh', '--name', 'Fresh Freight'], { via: 'npm' });
    expect(added).toMatchObject({ code: 0, stdout: '' });
    expect(added.stderr).toBe('fleetwire admin: added tenant fresh ("Fresh Freight").\n');

    const again = await admin(['tenant', 'add', 'fresh']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('fleetwire admin: The tenant "fresh" exists already.\n');
  });

  it('adds and removes operators, with the password from standard input, and refuses bad input', { timeout: 2 * CLI_TEST_MS }, async () => {
    const added = await admin(['operator', 'add', 'ops', 'ops-ana', '--role', 'admin', '--password-stdin'], { stdin: 'correct horse battery\n' });
    expect(added.code).toBe(0);
    expect(added.stderr).toBe('fleetwire admin: added admin ops-ana to tenant ops.\n');

    const duplicate = await admin(['operator', 'add', 'ops', 'ops-ana', '--password-stdin'], { stdin: 'another password\n' });
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^fleetwire admin: The username "ops-ana" is taken/);

    const badRole = await admin(['operator', 'add', 'ops', 'ops-bo', '--role', 'captain', '--password-stdin'], { stdin: 'long enough pw\n' });
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toBe('fleetwire admin: role "captain" is not a role: use one of viewer, operator, admin.\n');

    const unknownTenant = await admin(['operator', 'add', 'nosuch', 'ops-cy', '--password-stdin'], { stdin: 'long enough pw\n' });
    expect(unknownTenant.code).toBe(1);
    expect(unknownTenant.stderr).toMatch(/^fleetwire admin: There is no tenant "nosuch": create it first/);

    const [noFlag, emptyPassword] = await Promise.all([
      // The password must not be accepted from anywhere but standard input.
      admin(['operator', 'add', 'ops', 'ops-dee'], { stdin: 'long enough pw\n' }),
      admin(['operator', 'add', 'ops', 'ops-dee', '--password-stdin'], { stdin: '\n' }),
    ]);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toMatch(/^fleetwire admin: operator add reads the password from standard input: add --password-stdin/);
    expect(emptyPassword.code).toBe(1);
    expect(emptyPassword.stderr).toMatch(/^fleetwire admin: No password on standard input/);

    await withDb(async ({ db }) => {
      const login = await findLogin(db, 'ops-ana');
      expect(login).toMatchObject({ tenant: 'ops', role: 'admin' });
      // The trailing newline of the piped password is not part of it.
      expect(await verifyPassword('correct horse battery', login!.passwordHash)).toBe(true);
      expect(await findLogin(db, 'ops-bo')).toBeUndefined();
      expect(await findLogin(db, 'ops-dee')).toBeUndefined();
      expect((await listAudit(db, 'ops')).map((a) => [a.actor, a.action, a.target])).toContainEqual(['cli', 'operator.add', 'ops-ana']);
    });

    const removed = await admin(['operator', 'remove', 'ops', 'ops-ana']);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toBe('fleetwire admin: removed operator ops-ana from tenant ops.\n');
    const removedAgain = await admin(['operator', 'remove', 'ops', 'ops-ana']);
    expect(removedAgain.code).toBe(1);
    expect(removedAgain.stderr).toBe('fleetwire admin: There is no operator "ops-ana" in tenant "ops".\n');
  });

  it('adds trucks and issues, lists and revokes device keys; the key is printed once, alone on stdout', { timeout: CLI_TEST_MS }, async () => {
    const truck = await admin(['truck', 'add', 'fleet', 'fl-01', '--name', 'Flensburg 1', '--plate', 'FL-W 101', '--reefer-setpoint=-18']);
    expect(truck.code).toBe(0);
    expect(truck.stderr).toBe('fleetwire admin: added truck fl-01 to tenant fleet.\n');
    const duplicate = await admin(['truck', 'add', 'fleet', 'fl-01', '--name', 'Again']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('fleetwire admin: Tenant "fleet" has a truck "fl-01" already.\n');

    const issued = await admin(['device-key', 'issue', 'fleet', '--label', 'cab unit 1', '--truck', 'fl-01']);
    expect(issued.code).toBe(0);
    const lines = issued.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const key = lines[0]!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const prefix = key.slice(0, 8);
    expect(issued.stderr).toContain(`issued device key ${prefix}… for tenant fleet, truck fl-01`);
    expect(issued.stderr).not.toContain(key);

    const listed = await admin(['device-key', 'list', 'fleet']);
    expect(listed.code).toBe(0);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^PREFIX\s+LABEL\s+TRUCK\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(row).toMatch(new RegExp(`^${prefix.replace(/[-]/g, '\\-')}\\s+cab unit 1\\s+fl-01\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}Z\\s+never\\s+-$`));
    expect(rest).toEqual([]);
    expect(listed.stdout).not.toContain(key);

    const unknownPrefix = await admin(['device-key', 'revoke', 'fleet', 'zzzzzzzz']);
    expect(unknownPrefix.code).toBe(1);
    expect(unknownPrefix.stderr).toMatch(/^fleetwire admin: Tenant "fleet" has no active device key "zzzzzzzz…"/);

    const revoked = await admin(['device-key', 'revoke', 'fleet', prefix]);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toBe(`fleetwire admin: revoked device key ${prefix}… of tenant fleet.\n`);

    // What was stored: the key's hash under its prefix (now revoked), the truck as given, every change by `cli`.
    await withDb(async ({ db }) => {
      const stored = await db.selectFrom('device_keys').select(['prefix', 'key_hash', 'truck_id', 'label']).where('tenant', '=', 'fleet').execute();
      expect(stored).toEqual([{ prefix, key_hash: hashDeviceKey(key), truck_id: 'fl-01', label: 'cab unit 1' }]);
      const [record] = await listDeviceKeys(db, 'fleet');
      expect(record).toMatchObject({ prefix, createdBy: 'cli', revokedAt: expect.any(Number) });
      const trucks = await db.selectFrom('trucks').select(['id', 'name', 'plate', 'reefer_setpoint_c']).where('tenant', '=', 'fleet').execute();
      expect(trucks).toEqual([{ id: 'fl-01', name: 'Flensburg 1', plate: 'FL-W 101', reefer_setpoint_c: -18 }]);
      const audit = await listAudit(db, 'fleet');
      expect(audit.map((a) => [a.actor, a.action])).toEqual([
        ['cli', 'device-key.revoke'],
        ['cli', 'device-key.issue'],
        ['cli', 'truck.add'],
        ['test', 'tenant.add'],
      ]);
    });
  });

  it('imports transfers only from a file without problems, listing every problem of a bad one', { timeout: CLI_TEST_MS }, async () => {
    const bad = path.join(dir, 'bad-plans.csv');
    await writeFile(
      bad,
      [
        'id,truckId,originName,originLat,originLon,destinationName,destinationLat,destinationLon,plannedDeparture,plannedArrival',
        'bad-1,hh-01,Hamburg,53.55,9.99,Munich,48.14,11.58,2025-03-01T08:00:00Z,2025-03-01T16:00:00Z',
        'bad-2,hh-01,,95,9.99,Munich,48.14,11.58,2025-03-01T08:00:00Z,2025-03-01T07:00:00Z',
        'bad-3,hh 02,Hamburg,53.55,east,Munich,48.14,11.58,yesterday,2025-03-01T16:00:00Z',
      ].join('\n'),
    );
    const refused = await admin(['transfer', 'import', 'plans', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const lines = refused.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`fleetwire admin: ${bad} has 6 problems; nothing was imported:`);
    expect(lines.slice(1)).toEqual([
      '  row 2: originName is empty: it must be a place name of 1 to 200 characters.',
      '  row 2: originLat must be a latitude from -90 to 90, got 95.',
      '  row 2: plannedArrival (2025-03-01T07:00:00.000Z) must be after plannedDeparture (2025-03-01T08:00:00.000Z).',
      expect.stringMatching(/^ {2}row 3: truckId must be a truck id of .*, got "hh 02"\.$/),
      expect.stringMatching(/^ {2}row 3: originLon must be a longitude from -180 to 180, got "east"\.$/),
      expect.stringMatching(/^ {2}row 3: plannedDeparture must be an ISO 8601 date-time .*, got "yesterday"\.$/),
    ]);

    const good = path.join(dir, 'plans.json');
    await writeFile(
      good,
      JSON.stringify([
        {
          truckId: 'hh-01',
          origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 },
          destination: { name: 'Munich', lat: 48.14, lon: 11.58 },
          plannedDeparture: '2025-03-02T08:00:00+01:00',
          plannedArrival: '2025-03-02T17:00:00+01:00',
          cargo: 'Machine parts',
        },
        {
          id: 'cold-1',
          truckId: 'hh-02',
          origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 },
          destination: { name: 'Berlin', lat: 52.52, lon: 13.4 },
          waypoints: [
            { lat: 53.55, lon: 9.99 },
            { lat: 53.0, lon: 11.5 },
            { lat: 52.52, lon: 13.4 },
          ],
          plannedDeparture: Date.UTC(2025, 2, 2, 6),
          plannedArrival: Date.UTC(2025, 2, 2, 10),
          reeferSetpointC: 2,
        },
      ]),
    );
    const imported = await admin(['transfer', 'import', 'plans', good]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toBe(`fleetwire admin: imported 2 transfers from ${good} into tenant plans (existing ids replaced).\n`);

    await withDb(async ({ db }) => {
      // Only the good file's transfers: not even bad-plans.csv's faultless first row was stored.
      const transfers = await listTransfers(db, 'plans');
      expect(transfers.map((t) => t.id)).toEqual(['cold-1', 'hh-01-202503020700']);
      expect(transfers[0]).toMatchObject({ truckId: 'hh-02', reeferSetpointC: 2, cargo: '', waypoints: [{ lat: 53.55, lon: 9.99 }, { lat: 53, lon: 11.5 }, { lat: 52.52, lon: 13.4 }] });
      expect(transfers[1]).toMatchObject({ plannedDeparture: Date.UTC(2025, 2, 2, 7), plannedArrival: Date.UTC(2025, 2, 2, 16), cargo: 'Machine parts' });
      expect((await listAudit(db, 'plans'))[0]).toMatchObject({ actor: 'cli', action: 'transfer.import', target: '2 transfers' });
    });
  });

  it('refuses, saying so, while a server holds the embedded database', { timeout: CLI_TEST_MS }, async () => {
    const storeUrl = pathToFileURL(path.join(ROOT, 'server/store/database.ts')).href;
    // A stand-in server: holds the database until its standard input closes, then closes it cleanly.
    const holder: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { openDatabase } from ${JSON.stringify(storeUrl)};
         const database = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} }, 'server');
         process.stdout.write('ready\\n');
         process.stdin.on('end', async () => { await database.close(); process.exit(0); });
         process.stdin.resume();`,
      ],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => holder.on('close', resolve));
    try {
      let holderErr = '';
      holder.stderr.setEncoding('utf8').on('data', (c: string) => (holderErr += c));
      await new Promise<void>((resolve, reject) => {
        holder.stdout.setEncoding('utf8').on('data', (c: string) => c.includes('ready') && resolve());
        holder.on('close', () => reject(new Error(`the holder ended before opening the database: ${holderErr}`)));
      });

      const refused = await admin(['device-key', 'list', 'held']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        `fleetwire admin: The embedded database in ${dataDir} is in use by a fleetwire server (pid ${holder.pid}). ` +
          'Stop the server first, or use the admin page / the /api/admin API of the running server.\n',
      );
    } finally {
      holder.stdin.end();
    }
    expect(await exited).toBe(0);
  });
});

const HEADER = CSV_COLUMNS.join(',');
/** A CSV row with every column, from a partial row of overrides. */
function csvRow(values: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = {}): string {
  const base: Record<string, string> = {
    id: '',
    truckId: 'acme-01',
    originName: 'Hamburg',
    originLat: '53.55',
    originLon: '9.99',
    destinationName: 'Munich',
    destinationLat: '48.14',
    destinationLon: '11.58',
    plannedDeparture: '2025-03-01T08:00:00Z',
    plannedArrival: '2025-03-01T16:00:00Z',
    cargo: '',
    reeferSetpointC: '',
  };
  return CSV_COLUMNS.map((c) => {
    const v = values[c] ?? base[c]!;
    return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }).join(',');
}

function jsonRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    truckId: 'acme-01',
    origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 },
    destination: { name: 'Munich', lat: 48.14, lon: 11.58 },
    plannedDeparture: '2025-03-01T08:00:00Z',
    plannedArrival: '2025-03-01T16:00:00Z',
    ...overrides,
  };
}

describe('parseTransferFile', () => {
  it('reads a good CSV file: optional columns, quoted commas, times with offsets or in epoch ms, derived ids', () => {
    const text = [
      HEADER,
      csvRow({ cargo: 'Apples, Pears', reeferSetpointC: '4' }),
      csvRow({ id: 'tr-2', truckId: 'acme-02', plannedDeparture: '2025-03-01T09:30+01:00', plannedArrival: String(Date.UTC(2025, 2, 1, 18)) }),
    ].join('\r\n');
    expect(parseTransferFile(`\uFEFF${text}\r\n\r\n`, 'csv')).toEqual({
      problems: [],
      rows: [1, 2],
      transfers: [
        {
          id: 'acme-01-202503010800',
          truckId: 'acme-01',
          origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 },
          destination: { name: 'Munich', lat: 48.14, lon: 11.58 },
          plannedDeparture: Date.UTC(2025, 2, 1, 8),
          plannedArrival: Date.UTC(2025, 2, 1, 16),
          cargo: 'Apples, Pears',
          reeferSetpointC: 4,
        },
        {
          id: 'tr-2',
          truckId: 'acme-02',
          origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 },
          destination: { name: 'Munich', lat: 48.14, lon: 11.58 },
          plannedDeparture: Date.UTC(2025, 2, 1, 8, 30),
          plannedArrival: Date.UTC(2025, 2, 1, 18),
        },
      ],
    });
    // Only the required columns, in another order.
    const minimal = 'truckId,plannedDeparture,plannedArrival,originName,originLat,originLon,destinationName,destinationLat,destinationLon\n' +
      'acme-01,2025-03-01T08:00:00Z,2025-03-01T16:00:00Z,Hamburg,53.55,9.99,Munich,48.14,11.58\n';
    expect(parseTransferFile(minimal, 'csv')).toMatchObject({ problems: [], transfers: [{ id: 'acme-01-202503010800' }] });
  });

  it('reports every problem of every CSV row, naming row and column', () => {
    const text = [
      HEADER,
      csvRow(),
      csvRow({ truckId: 'acme 01', originName: ' ', originLat: '91', originLon: 'east', destinationLat: '-90.5', destinationLon: '181' }),
      csvRow({ plannedDeparture: '2025-03-01T08:00:00', plannedArrival: '2025-02-30T08:00:00Z', reeferSetpointC: '-61' }),
      csvRow({ plannedArrival: '2025-03-01T07:59:59Z', destinationName: 'x'.repeat(201), cargo: 'y'.repeat(201) }),
      csvRow({ plannedDeparture: '1740816000', truckId: '' }),
      'acme-03,Hamburg',
      csvRow({ id: 'acme-01-202503010800' }),
    ].join('\n');
    const { transfers, problems } = parseTransferFile(text, 'csv');
    expect(transfers.map((t) => t.id)).toEqual(['acme-01-202503010800']);
    expect(problems.map((p) => [p.row, p.field])).toEqual([
      [2, 'truckId'],
      [2, 'originName'],
      [2, 'originLat'],
      [2, 'originLon'],
      [2, 'destinationLat'],
      [2, 'destinationLon'],
      [3, 'plannedDeparture'],
      [3, 'reeferSetpointC'],
      [3, 'plannedArrival'],
      [4, 'destinationName'],
      [4, 'cargo'],
      [4, 'plannedArrival'],
      [5, 'truckId'],
      [5, 'plannedDeparture'],
      [6, 'transfer'],
      [7, 'id'],
    ]);
    const message = (row: number, field: string) => problems.find((p) => p.row === row && p.field === field)?.message;
    expect(message(2, 'originLat')).toBe('originLat must be a latitude from -90 to 90, got 91.');
    expect(message(2, 'originLon')).toBe('originLon must be a longitude from -180 to 180, got "east".');
    // Cells are trimmed: a blank name is an empty one.
    expect(message(2, 'originName')).toBe('originName is empty: it must be a place name of 1 to 200 characters.');
    expect(message(3, 'plannedDeparture')).toMatch(/^plannedDeparture must be an ISO 8601 date-time with a time zone .*, got "2025-03-01T08:00:00"\.$/);
    expect(message(3, 'plannedArrival')).toMatch(/^plannedArrival names no real instant \("2025-02-30T08:00:00Z"/);
    expect(message(3, 'reeferSetpointC')).toBe('reeferSetpointC must be a temperature in °C from -60 to 60 (leave it out for dry cargo), got -61.');
    expect(message(4, 'plannedArrival')).toBe('plannedArrival (2025-03-01T07:59:59.000Z) must be after plannedDeparture (2025-03-01T08:00:00.000Z).');
    expect(message(4, 'cargo')).toMatch(/^cargo must be a cargo description of at most 200 characters, got "y{40}…"\.$/);
    expect(message(5, 'truckId')).toMatch(/^truckId is empty: it must be a truck id/);
    expect(message(5, 'plannedDeparture')).toMatch(/1740816000 looks like epoch seconds: multiply by 1000/);
    expect(message(6, 'transfer')).toMatch(/^The row has 2 values but the header has 12 columns/);
    expect(message(7, 'id')).toBe('id "acme-01-202503010800" is also row 1\'s: each transfer in a file needs its own id.');
  });

  it('reports header problems: unknown, repeated and missing columns', () => {
    const unknown = parseTransferFile(`${HEADER},colour\n${csvRow()},red\n`, 'csv');
    expect(unknown.problems).toEqual([
      { row: 0, field: 'colour', message: expect.stringMatching(/^The header has a column "colour" that is not a transfer column; the columns are id, truckId, /) },
    ]);
    expect(unknown.transfers).toHaveLength(1);

    const broken = parseTransferFile('truckId,truckId,originName\nacme-01,acme-01,Hamburg\n', 'csv');
    expect(broken.problems.map((p) => [p.row, p.field])).toEqual([
      [0, 'truckId'],
      [0, 'originLat'],
      [0, 'originLon'],
      [0, 'destinationName'],
      [0, 'destinationLat'],
      [0, 'destinationLon'],
      [0, 'plannedDeparture'],
      [0, 'plannedArrival'],
    ]);
    expect(broken.problems[0]?.message).toBe('The header has the column truckId twice.');
    expect(broken.problems[1]?.message).toBe('The header has no originLat column; every transfer needs one.');
    expect(broken.transfers).toEqual([]);
  });

  it('refuses empty, header-only, unreadable and oversized files as a whole', () => {
    expect(parseTransferFile('', 'csv').problems).toEqual([{ row: 0, field: 'file', message: expect.stringMatching(/^The file is empty: its first line must be the header/) }]);
    expect(parseTransferFile(`${HEADER}\n`, 'csv').problems).toEqual([{ row: 0, field: 'file', message: 'The file has no transfers.' }]);
    expect(parseTransferFile(`${HEADER}\n"unclosed,quote\n`, 'csv').problems[0]).toMatchObject({ row: 0, field: 'file', message: expect.stringMatching(/^The file is not readable as CSV/) });
    expect(parseTransferFile('[]', 'json').problems).toEqual([{ row: 0, field: 'file', message: 'The file has no transfers.' }]);
    expect(parseTransferFile('{"truckId": "acme-01"', 'json').problems[0]).toMatchObject({ row: 0, field: 'file', message: expect.stringMatching(/^The file is not valid JSON/) });
    expect(parseTransferFile('{"truckId": "acme-01"}', 'json').problems[0]?.message).toMatch(/^A JSON transfer file holds an array of transfers .*; this one holds an object\.$/);

    const rows = Array.from({ length: MAX_TRANSFERS_PER_FILE + 1 }, () => csvRow());
    expect(parseTransferFile([HEADER, ...rows].join('\n'), 'csv').problems).toEqual([
      { row: 0, field: 'file', message: 'The file has 10,001 transfers; import at most 10,000 per file (split it).' },
    ]);
    expect(parseTransferFile(JSON.stringify(Array.from({ length: MAX_TRANSFERS_PER_FILE + 1 }, () => jsonRow())), 'json').problems).toHaveLength(1);
  });

  it('reads a good JSON file: waypoints, nulls for "none", epoch ms and offsets', () => {
    const text = JSON.stringify([
      jsonRow({ id: 'tr-1', cargo: 'Steel', waypoints: [{ lat: 53.55, lon: 9.99 }, { lat: 48.14, lon: 11.58 }] }),
      jsonRow({ id: null, cargo: null, reeferSetpointC: null, plannedDeparture: Date.UTC(2025, 2, 1, 9), plannedArrival: '2025-03-01T12:00:00.250-05:00' }),
      jsonRow({ truckId: 'acme-02', reeferSetpointC: -18 }),
    ]);
    const { transfers, problems } = parseTransferFile(text, 'json');
    expect(problems).toEqual([]);
    expect(transfers).toEqual([
      expect.objectContaining({ id: 'tr-1', cargo: 'Steel', waypoints: [{ lat: 53.55, lon: 9.99 }, { lat: 48.14, lon: 11.58 }] }),
      {
        id: 'acme-01-202503010900',
        truckId: 'acme-01',
        origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 },
        destination: { name: 'Munich', lat: 48.14, lon: 11.58 },
        plannedDeparture: Date.UTC(2025, 2, 1, 9),
        plannedArrival: Date.UTC(2025, 2, 1, 17, 0, 0, 250),
        reeferSetpointC: null,
      },
      expect.objectContaining({ id: 'acme-02-202503010800', reeferSetpointC: -18 }),
    ]);
  });

  it('reports every problem of every JSON row, naming row and field path', () => {
    const text = JSON.stringify([
      jsonRow({ origin: 'Hamburg', destination: { name: '', lat: 48.14, city: 'Munich' }, colour: 'red' }),
      'acme-01',
      jsonRow({ id: 'bad id', plannedDeparture: 1740816000, plannedArrival: '2025-03-01T16:00:00+25:00', waypoints: [{ lat: 53.55, lon: 9.99 }, { lat: 100, lon: 200 }] }),
      jsonRow({ truckId: 7, waypoints: [{ lat: 53.55, lon: 9.99 }] }),
      { origin: { name: 'Hamburg', lat: 53.55, lon: 9.99 } },
      jsonRow({ truckId: 'x'.repeat(64) }),
      jsonRow(),
      jsonRow(),
    ]);
    const { transfers, problems } = parseTransferFile(text, 'json');
    expect(transfers.map((t) => t.id)).toEqual(['acme-01-202503010800']);
    expect(problems.map((p) => [p.row, p.field])).toEqual([
      [1, 'origin'],
      [1, 'destination.name'],
      [1, 'destination.lon'],
      [1, 'destination.city'],
      [1, 'colour'],
      [2, 'transfer'],
      [3, 'id'],
      [3, 'plannedDeparture'],
      [3, 'waypoints[1].lat'],
      [3, 'waypoints[1].lon'],
      [3, 'plannedArrival'],
      [4, 'truckId'],
      [4, 'waypoints'],
      [5, 'truckId'],
      [5, 'destination'],
      [5, 'plannedDeparture'],
      [5, 'plannedArrival'],
      [6, 'id'],
      [8, 'id'],
    ]);
    const message = (row: number, field: string) => problems.find((p) => p.row === row && p.field === field)?.message;
    expect(message(1, 'origin')).toBe('origin must be an object {"name": …, "lat": …, "lon": …}, got "Hamburg".');
    expect(message(1, 'destination.lon')).toBe('destination.lon is missing: it must be a longitude from -180 to 180.');
    expect(message(1, 'destination.city')).toBe('destination.city is not a known field: a place has name, lat and lon.');
    expect(message(1, 'colour')).toMatch(/^colour is not a transfer field; the fields are id, truckId, origin, /);
    expect(message(2, 'transfer')).toBe('Each transfer must be an object {"truckId": …, "origin": …, …}, got "acme-01".');
    expect(message(3, 'plannedArrival')).toMatch(/^plannedArrival names no real instant/);
    expect(message(3, 'waypoints[1].lon')).toBe('waypoints[1].lon must be a longitude from -180 to 180, got 200.');
    expect(message(4, 'truckId')).toMatch(/^truckId must be a truck id .*, got 7\.$/);
    expect(message(4, 'waypoints')).toMatch(/^waypoints must be a list of 2 to 1000 points .*, got an array of 1\.$/);
    expect(message(5, 'destination')).toBe('destination is missing: it must be an object {"name": …, "lat": …, "lon": …}.');
    expect(message(6, 'id')).toMatch(/^The id derived from truckId and plannedDeparture, "x{64}-202503010800", is longer than 64 characters: give this transfer an id\.$/);
    expect(message(8, 'id')).toBe(
      'The id derived from truckId and plannedDeparture, "acme-01-202503010800", is also row 7\'s: give one of them its own id.',
    );
  });
});
