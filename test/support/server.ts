/**
 * Starts a real fleetwire server as a child process on a free port, for tests that need the whole
 * thing (browser tests, shutdown). Also small HTTP helpers: log in, ingest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freshDataDir } from './database';
import { REPO_ROOT } from './paths';

export { REPO_ROOT };

/** Longest wait for the server to print its address and answer /healthz, ms (tsx compiles on first start, the embedded database opens). */
const START_TIMEOUT_MS = 60_000;
/** Longest wait for a clean exit after SIGTERM before SIGKILL, ms. */
const STOP_TIMEOUT_MS = 10_000;

/** A running server child process. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  port: number;
  process: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal) once the process exits. */
  exited: Promise<number | null>;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends a signal without waiting (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then waits for the exit (SIGKILL after a timeout). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Spawns `node --import tsx server/main.ts` with PORT=0, the demo accounts and keys, the simulator
 * off (FLEETWIRE_SIM_RATE=0: tests ingest what they need), no practical per-key ingest rate and a fresh embedded database (removed at
 * stop) unless `env` names a DATABASE_URL or FLEETWIRE_DATA_DIR. `env` overrides any of it.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const data = env.DATABASE_URL || env.FLEETWIRE_DATA_DIR ? null : await freshDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      FLEETWIRE_DEMO: '1',
      FLEETWIRE_SIM_RATE: '0',
      FLEETWIRE_BUS: 'memory',
      // One demo device key carries every test's and benchmark's load; the per-key rate itself is
      // tested in test/server/limits.test.ts.
      FLEETWIRE_INGEST_RATE: '1000000',
      LOG_LEVEL: 'warn',
      ...(data ? { FLEETWIRE_DATA_DIR: data.dir } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => data?.remove());

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetwire did not start within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const m = /fleetwire listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`fleetwire exited with code ${code} before listening:\n${out}`));
    });
  });
  await waitForHealth(url);

  let stopping: Promise<void> | null = null;
  return {
    url,
    port: Number(new URL(url).port),
    process: child,
    exited,
    output: () => out,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
      lastError = new Error(`/healthz answered ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fleetwire at ${url} never became healthy: ${String(lastError)}`);
}

/** Logs in over HTTP; resolves with the `Cookie` header value to send on later requests. */
export async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0] as string);
  if (cookies.length === 0) throw new Error('login succeeded but set no cookie');
  return cookies.join('; ');
}

/** Posts telemetry with a device key; resolves with the assigned ids, rejects with the server's message. */
export async function ingest(url: string, key: string, items: unknown): Promise<string[]> {
  const res = await fetch(`${url}/api/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(items),
  });
  const body = (await res.json()) as { ids?: string[]; error?: string; message?: string };
  if (!res.ok || !Array.isArray(body.ids)) throw new Error(`ingest failed: ${res.status} ${body.error}: ${body.message}`);
  return body.ids;
}
