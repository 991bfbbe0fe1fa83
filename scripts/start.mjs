// `npm start`: builds the client when it is missing or older than its sources, then runs the
// server in a child process, forwarding SIGINT/SIGTERM and its exit code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILT_INDEX = path.join(ROOT, 'dist/client/index.html');
/** What the client build is made from: a newer file here means the build is stale. */
const SOURCES = ['src', 'sw', 'public', 'index.html', 'vite.config.ts'];

/** Newest modification time (ms) of a file or of any file under a directory; 0 when absent. */
function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

function log(message) {
  process.stderr.write(`fleetwire start: ${message}\n`);
}

function buildClientIfNeeded() {
  if (!existsSync(path.join(ROOT, 'index.html'))) {
    log('WARNING: there is no index.html yet, so the web client cannot be built; starting the API without it');
    return;
  }
  const builtAt = existsSync(BUILT_INDEX) ? statSync(BUILT_INDEX).mtimeMs : 0;
  const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))));
  if (builtAt > 0 && builtAt >= sourcesAt) return;
  log(builtAt === 0 ? 'building the web client (first start)…' : 'sources changed since the last build: rebuilding the web client…');
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // The service worker is built into the same directory, from the files Vite just wrote.
  const sw = result.status === 0 ? spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-sw.mjs')], { cwd: ROOT, stdio: 'inherit' }) : result;
  if (sw.status !== 0) {
    if (existsSync(BUILT_INDEX)) log('WARNING: the client build failed; serving the previous build');
    else log('WARNING: the client build failed; starting the API without the web client');
  }
}

buildClientIfNeeded();

const server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/main.ts')], {
  cwd: ROOT,
  stdio: 'inherit',
  env: process.env,
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // The server shuts down cleanly on either; we exit when it does, with its code.
    if (server.exitCode === null) server.kill(signal);
  });
}
server.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
});
