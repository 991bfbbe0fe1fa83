// The real entry point in a child process: start, serve, and a clean exit on SIGTERM with streams open.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, ingest, login, startServer, type RunningServer } from '../support/server';
import { SseReader } from './helpers';

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

/** Runs main.ts with an environment that must fail; resolves with its exit code and stderr. */
function runFailing(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts kept running with ${JSON.stringify(env)}`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('server process', () => {
  it('serves the API and ends open streams and the process cleanly on SIGTERM', async () => {
    server = await startServer();
    const cookie = await login(server.url, 'ana', 'fleetwire');
    const stream = await SseReader.open(server.url, cookie);
    const other = await SseReader.open(server.url, await login(server.url, 'bo', 'fleetwire'));
    const ids = await ingest(server.url, 'demo-acme', [{ truckId: 'acme-01', ts: Date.now(), lat: 50, lon: 8, speedKph: 70, headingDeg: 90 }]);
    await stream.waitForEvents(1);
    expect(stream.events[0]?.id).toBe(ids[0]);

    server.kill('SIGTERM');
    await stream.waitForEnd(10_000);
    await other.waitForEnd(10_000);
    expect(await server.exited).toBe(0);
  });

  it('refuses to start with a clear message on a bad setting', async () => {
    const redis = await runFailing({ FLEETWIRE_BUS: 'redis', REDIS_URL: 'http://127.0.0.1:6379' });
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain('REDIS_URL must start with redis://');
    const port = await runFailing({ PORT: 'eighty' });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('PORT must be a whole number');
  });
});
