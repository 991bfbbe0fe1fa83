// `npm run dev`: the server under `tsx watch` (restarts on change) and Vite's dev server (which
// proxies /api to it) together; Ctrl-C stops both, and either one failing stops the other.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (p) => path.join(ROOT, 'node_modules', p);

const children = [
  spawn(process.execPath, [bin('tsx/dist/cli.mjs'), 'watch', '--clear-screen=false', 'server/main.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FLEETWIRE_STATIC_DIR: process.env.FLEETWIRE_STATIC_DIR ?? 'dist/client' },
  }),
  spawn(process.execPath, [bin('vite/bin/vite.js')], { cwd: ROOT, stdio: 'inherit', env: process.env }),
];

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(0));
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) process.stderr.write(`fleetwire dev: a process exited (code ${code}); stopping the other\n`);
    stopAll(code ?? 0);
  });
}
