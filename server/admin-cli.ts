/**
 * fleetwire's admin command: tenants, operators, device keys, trucks and transfers in the configured
 * database (DATABASE_URL, else the embedded one in FLEETWIRE_DATA_DIR while no server holds it).
 *   npm run admin -- --help
 * Exit codes: 0 done, 1 refused (nothing changed), 2 usage error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Actor } from './store/audit';
import type { Database } from './store/database';
import type { DeviceKeyRecord } from './store/device-keys';
import { StoreError } from './store/errors';
import type { TransferInput } from './store/fleet';
import { checkSetpoint } from './store/validation';
import type { TransferFileProblem } from './transfer-file';

/** Who the audit log says made the change. */
const ACTOR: Actor = 'cli';

/** Exit codes. */
const EXIT_DONE = 0;
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

const USAGE = `usage: npm run admin -- <command>

  tenant add <tenant> [--name <display name>]
  operator add <tenant> <username> [--role admin|operator|viewer] --password-stdin
                                        (role defaults to operator; the password is read from standard input)
  operator remove <tenant> <username>
  device-key issue <tenant> [--label <text>] [--truck <truckId>]
                                        (prints the key on stdout, alone on its line: it is shown only this once)
  device-key revoke <tenant> <key-prefix>   (the key's first 8 characters, as device-key list shows them)
  device-key list <tenant>
  truck add <tenant> <truckId> --name <name> [--plate <plate>] [--reefer-setpoint <°C>]
                                        (below zero with "=": --reefer-setpoint=-18)
  transfer import <tenant> <file.csv|file.json>
                                        (every row is checked first; nothing is stored while any row has a problem)

It works on DATABASE_URL when set, else on the embedded database in FLEETWIRE_DATA_DIR (default ./data),
which only one process can hold: stop the server first, or use the admin page of the running server.
Exit codes: 0 done, 1 refused (nothing changed), 2 usage error.`;

/** A command line that does not fit the usage. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A request refused before it reached the store (nothing changed). */
class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

type Flags = Record<string, { type: 'string' | 'boolean' }>;
type Values = Record<string, string | boolean | undefined>;

/**
 * The store, loaded once a command gets as far as the database: --help and usage errors answer
 * without loading PGlite, node-postgres and Kysely (seconds on a busy machine).
 */
async function loadStore() {
  const [accounts, database, deviceKeys, fleet] = await Promise.all([
    import('./store/accounts'),
    import('./store/database'),
    import('./store/device-keys'),
    import('./store/fleet'),
  ]);
  return { ...accounts, ...database, ...deviceKeys, ...fleet };
}
type Store = Awaited<ReturnType<typeof loadStore>>;

/** What a command runs with: the store's functions and the open database. */
interface Context {
  store: Store;
  db: Database['db'];
}

/** One admin command: its words, positional arguments, flags, and what it does. */
interface Command {
  args: readonly string[];
  flags: Flags;
  /** Runs before the database opens (reading standard input, checking a file): a refusal here costs no database start. */
  prepare?(args: string[], values: Values): Promise<unknown>;
  run(context: Context, args: string[], values: Values, prepared: unknown): Promise<void>;
}

function say(message: string): void {
  process.stderr.write(`fleetwire admin: ${message}\n`);
}

const COMMANDS: Record<string, Command> = {
  'tenant add': {
    args: ['tenant'],
    flags: { name: { type: 'string' } },
    async run({ store, db }, [tenant], values) {
      const t = await store.addTenant(db, ACTOR, tenant!, str(values.name));
      say(`added tenant ${t.id} ("${printable(t.name)}").`);
    },
  },
  'operator add': {
    args: ['tenant', 'username'],
    flags: { role: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async prepare(_args, values) {
      if (!values['password-stdin']) {
        throw new UsageError('operator add reads the password from standard input: add --password-stdin (passwords never go on the command line).');
      }
      const password = await readPassword();
      if (password === '') throw new RefusedError('No password on standard input: pipe one in, e.g. printf "%s" "$PASSWORD" | npm run admin -- operator add … --password-stdin');
      return password;
    },
    async run({ store, db }, [tenant, username], values, password) {
      const o = await store.addOperator(db, ACTOR, { tenant: tenant!, username: username!, password: password as string, role: str(values.role) ?? 'operator' });
      say(`added ${o.role} ${o.username} to tenant ${o.tenant}.`);
    },
  },
  'operator remove': {
    args: ['tenant', 'username'],
    flags: {},
    async run({ store, db }, [tenant, username]) {
      await store.removeOperator(db, ACTOR, tenant!, username!);
      say(`removed operator ${username} from tenant ${tenant}.`);
    },
  },
  'device-key issue': {
    args: ['tenant'],
    flags: { label: { type: 'string' }, truck: { type: 'string' } },
    async run({ store, db }, [tenant], values) {
      const truck = str(values.truck);
      const { key, prefix } = await store.issueDeviceKey(db, ACTOR, { tenant: tenant!, label: str(values.label), truckId: truck ?? null });
      // The key alone on stdout, so `KEY=$(npm run --silent admin -- device-key issue …)` captures exactly it.
      process.stdout.write(`${key}\n`);
      say(`issued device key ${prefix}… for tenant ${tenant}${truck ? `, truck ${truck}` : ', any truck'}. It is shown only this once: store it now.`);
    },
  },
  'device-key revoke': {
    args: ['tenant', 'key-prefix'],
    flags: {},
    async run({ store, db }, [tenant, prefix]) {
      await store.revokeDeviceKey(db, ACTOR, tenant!, prefix!);
      say(`revoked device key ${prefix}… of tenant ${tenant}.`);
    },
  },
  'device-key list': {
    args: ['tenant'],
    flags: {},
    async run({ store, db }, [tenant]) {
      // listDeviceKeys answers [] for an unknown tenant; an admin who mistyped it should hear so.
      await store.requireTenant(db, tenant!);
      const keys = await store.listDeviceKeys(db, tenant!);
      if (keys.length === 0) {
        say(`tenant ${tenant} has no device keys (issue one with device-key issue ${tenant}).`);
        return;
      }
      process.stdout.write(keyTable(keys));
    },
  },
  'truck add': {
    args: ['tenant', 'truckId'],
    flags: { name: { type: 'string' }, plate: { type: 'string' }, 'reefer-setpoint': { type: 'string' } },
    async prepare(_args, values) {
      if (values.name === undefined) throw new UsageError('truck add needs --name <name> (what operators see on the map).');
      const raw = str(values['reefer-setpoint']);
      if (raw === undefined) return null;
      // Not a number → NaN, refused with the range the store accepts, named as the flag the admin typed.
      const setpoint = raw.trim() === '' ? NaN : Number(raw);
      checkSetpoint(setpoint, '--reefer-setpoint');
      return setpoint;
    },
    async run({ store, db }, [tenant, truckId], values, setpoint) {
      await store.addTruck(db, ACTOR, tenant!, { id: truckId!, name: str(values.name)!, plate: str(values.plate), reeferSetpointC: setpoint as number | null });
      say(`added truck ${truckId} to tenant ${tenant}.`);
    },
  },
  'transfer import': {
    args: ['tenant', 'file'],
    flags: {},
    async prepare([, file]) {
      const ext = path.extname(file!).toLowerCase();
      if (ext !== '.csv' && ext !== '.json') throw new UsageError(`transfer import reads a .csv or a .json file; "${file}" is neither.`);
      let text: string;
      try {
        text = await readFile(file!, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
        throw new RefusedError(`Cannot read ${file}: ${why}.`);
      }
      const { parseTransferFile } = await import('./transfer-file');
      const parsed = parseTransferFile(text, ext === '.csv' ? 'csv' : 'json');
      if (parsed.problems.length > 0) throw new RefusedError(problemReport(file!, parsed.problems));
      return parsed.transfers;
    },
    async run({ store, db }, [tenant, file], _values, prepared) {
      const transfers = prepared as TransferInput[];
      await store.requireTenant(db, tenant!);
      // importTransfers names only the first few unknown trucks; list every row, as for the file's own problems.
      const trucks = new Set((await store.loadTruckInfos(db, Date.now(), tenant)).map((t) => t.id));
      const unknown: TransferFileProblem[] = transfers
        .map((t, i) => ({ t, row: i + 1 }))
        .filter(({ t }) => !trucks.has(t.truckId))
        .map(({ t, row }) => ({ row, field: 'truckId', message: `Tenant ${tenant} has no truck "${t.truckId}": add it first (truck add ${tenant} ${t.truckId} --name …).` }));
      if (unknown.length > 0) throw new RefusedError(problemReport(file!, unknown));
      const count = await store.importTransfers(db, ACTOR, tenant!, transfers);
      say(`imported ${count} transfer${count === 1 ? '' : 's'} from ${file} into tenant ${tenant} (existing ids replaced).`);
    },
  },
};

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Text safe to print on a terminal: control characters (a crafted label could hold escape sequences) shown as \u{…}. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** Every problem of a file, one a line, rows in order. */
function problemReport(file: string, problems: readonly TransferFileProblem[]): string {
  const lines = [...problems]
    .sort((a, b) => a.row - b.row)
    .map((p) => `  ${p.row === 0 ? 'file' : `row ${p.row}`}: ${printable(p.message)}`);
  return `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported:\n${lines.join('\n')}`;
}

function when(ms: number | null, none: string): string {
  return ms === null ? none : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** The keys as an aligned table: prefix, label, truck, created, last used, revoked; never the key. */
function keyTable(keys: readonly DeviceKeyRecord[]): string {
  const rows = [
    ['PREFIX', 'LABEL', 'TRUCK', 'CREATED', 'LAST USED', 'REVOKED'],
    ...keys.map((k) => [k.prefix, printable(k.label) || '-', k.truckId ?? 'any', when(k.createdAt, '-'), when(k.lastUsedAt, 'never'), when(k.revokedAt, '-')]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Reads the password from standard input, without its trailing newline; typed without echo when stdin is a terminal. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) return promptHidden(stdin);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function promptHidden(stdin: NodeJS.ReadStream): Promise<string> {
  process.stderr.write('Password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const done = (): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n' || c === '\u0004') {
          done();
          resolve(typed);
          return;
        }
        if (c === '\u0003') {
          done();
          process.exit(130); // Ctrl-C: nothing was opened yet
        }
        if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
        else typed += c;
      }
    };
    stdin.on('data', onData);
  });
}

/** Finds the command and checks its arguments; throws UsageError when they do not fit. */
function parseCommandLine(argv: string[]): { name: string; command: Command; args: string[]; values: Values } | 'help' {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return 'help';
  if (argv.length === 0) throw new UsageError('no command given.');
  const name = `${argv[0]} ${argv[1] ?? ''}`.trim();
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}.`);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv.slice(2), options: { ...command.flags, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(message); // e.g. a value starting with "-": Node's message shows --flag=-value
    // Node's message names the flag ("Unknown option '--colour'"); its second sentence, about '--', is noise here.
    const first = message.split('. ')[0]!.replace(/\.$/, '');
    const known = Object.keys(command.flags).map((f) => `--${f}`);
    throw new UsageError(`${first} for ${name}${known.length > 0 ? ` (it takes ${known.join(', ')})` : ' (it takes no flags)'}.`);
  }
  if (parsed.values.help) return 'help';
  const { positionals } = parsed;
  if (positionals.length < command.args.length) {
    const missing = command.args.slice(positionals.length).map((a) => `<${a}>`);
    throw new UsageError(`${name} needs ${missing.join(' ')}.`);
  }
  if (positionals.length > command.args.length) {
    throw new UsageError(`${name} takes ${command.args.map((a) => `<${a}>`).join(' ')}; unexpected "${positionals[command.args.length]}".`);
  }
  return { name, command, args: positionals, values: parsed.values };
}

/** Opens the database the server would use: DATABASE_URL, else the embedded one in FLEETWIRE_DATA_DIR. */
async function openConfigured(store: Store): Promise<Database> {
  const url = process.env.DATABASE_URL?.trim() || undefined;
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new RefusedError('DATABASE_URL must start with postgres:// or postgresql:// (unset it to use the embedded database).');
  }
  const dataDir = path.resolve(process.env.FLEETWIRE_DATA_DIR?.trim() || 'data');
  return store.openDatabase({ url, dataDir }, 'cli');
}

/** Runs one command line; resolves with the exit code. */
async function main(argv: string[]): Promise<number> {
  let line: ReturnType<typeof parseCommandLine>;
  try {
    line = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(err.message);
    process.stderr.write(`\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (line === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_DONE;
  }
  const { command, args, values } = line;
  let store: Store | null = null;
  let database: Database | null = null;
  try {
    const prepared = await command.prepare?.(args, values);
    store = await loadStore();
    database = await openConfigured(store);
    await command.run({ store, db: database.db }, args, values, prepared);
    return EXIT_DONE;
  } catch (err) {
    if (err instanceof UsageError) {
      say(err.message);
      process.stderr.write(`\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof RefusedError) {
      say(err.message);
      return EXIT_REFUSED;
    }
    if (err instanceof StoreError || (store && err instanceof store.DatabaseUnavailableError)) {
      say(printable(err.message));
      return EXIT_REFUSED;
    }
    throw err;
  } finally {
    await database?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // exitCode, not exit(): stdout (the issued key) must be flushed to a pipe before the process ends.
    process.exitCode = code;
  },
  (err: unknown) => {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT_REFUSED;
  },
);
