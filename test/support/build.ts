/**
 * Builds the web client (Vite, then the service worker) into a directory of its own, so a test can
 * serve a build of a chosen version (FLEETWIRE_STATIC_DIR) while others build dist/client.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './server';

/** Longest a build may take, ms: a few seconds normally, more on a busy two-core machine. */
const BUILD_TIMEOUT_MS = 90_000;

function run(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${args.join(' ')} failed (${code ?? signal}):\n${out}`));
    });
  });
}

/** A fresh empty directory for a build. */
export function buildDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'fleetwire-build-'));
}

/** Builds the client of `version` into `outDir` (emptied first), service worker included. */
export async function buildClient(outDir: string, version: string): Promise<void> {
  // Vitest sets NODE_ENV=test, which would make Vite build a development bundle.
  // No source maps: these builds are served by tests only, and must not replace dist/sourcemaps.
  const env = { FLEETWIRE_VERSION: version, NODE_ENV: 'production', FLEETWIRE_SOURCEMAP_DIR: '' };
  await run([path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], env);
  await run([path.join(REPO_ROOT, 'scripts/build-sw.mjs'), '--out-dir', outDir], env);
}
