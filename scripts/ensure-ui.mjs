// `npm start` serves ui/dist; a fresh clone has none (it is build output, not in git). This builds it
// when it is missing, or older than the UI's sources so a UI edit is never served stale. Plain Node, so
// it runs before anything else is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ui = new URL('../ui/', import.meta.url).pathname;
const built = join(ui, 'dist', 'index.html');

const newest = (path) => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
};

const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => join(ui, p)).filter(existsSync);
const stale = !existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs;

if (stale) {
  console.log('[perpetua] building the web UI into ui/dist (vite)');
  const r = spawnSync('npx', ['vite', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], {
    cwd: join(ui, '..'),
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
