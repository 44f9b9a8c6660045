#!/usr/bin/env node
// Builds Orquesta's optional native addons with node-gyp against this Node's headers:
//   kernels     packages/kernels/native     CPU kernels over Debian's OpenBLAS (libopenblas-dev)
//   collective  packages/collective/native  the native ring, a ZeroMQ data plane over Debian's libzmq (libzmq3-dev)
// Run by the workspace's `prepare` script, so `npm ci` builds both; again with `npm run build:native`
// (all) or `node tools/build-native.mjs collective` (one).
//
// Each addon is optional: when it cannot be built (no compiler, no headers) this prints why and goes
// on, and Orquesta uses its JavaScript path (backend wasm instead of wasm-native; the TypeScript ring
// instead of the native one). Set ORQUESTA_REQUIRE_NATIVE=1 to make a failed build an error (CI does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const required = process.env.ORQUESTA_REQUIRE_NATIVE === '1';

const ADDONS = {
  kernels: {
    dir: 'packages/kernels/native',
    file: 'orquesta_kernels.node',
    headers: ['/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h', '/usr/include/openblas/cblas.h', '/usr/include/cblas.h'],
    missing: 'OpenBLAS headers (libopenblas-dev) are missing',
    fallback: 'Backend wasm-native is unavailable; training falls back to wasm',
  },
  collective: {
    dir: 'packages/collective/native',
    file: 'orquesta_ring.node',
    headers: ['/usr/include/zmq.h'],
    missing: 'ZeroMQ headers (libzmq3-dev) are missing',
    fallback: 'The native ring is unavailable; collectives over sockets use the TypeScript ring',
  },
};

function nodeGyp() {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm ships node-gyp; find it beside the npm that runs this script or beside node.
    const candidates = [
      process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    ].filter(Boolean);
    return candidates.find((c) => existsSync(c));
  }
}

/** Builds one addon; returns false (after printing why) when it could not. */
function build(name) {
  const addon = ADDONS[name];
  const giveUp = (reason) => {
    process.stderr.write(
      `@orquesta/${name}: native addon not built: ${reason}. ${addon.fallback}. Install a C compiler and the headers ` +
        `(bash tools/setup-system.sh --runtime), then run \`node tools/build-native.mjs ${name}\`.\n`,
    );
    return false;
  };
  if (process.platform !== 'linux') return giveUp(`platform ${process.platform} is not supported (Linux only)`);
  const gyp = nodeGyp();
  if (!gyp) return giveUp('node-gyp was not found');
  if (!addon.headers.some((h) => existsSync(h))) return giveUp(addon.missing);
  const dir = join(root, addon.dir);
  // Headers of the running Node: Debian and NodeSource packages install them in /usr/include/node,
  // tarball installs beside the binary. node-gyp downloads them only when neither is there.
  const prefix = dirname(dirname(process.execPath));
  const args = [gyp, 'rebuild', '--directory', dir];
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    return giveUp(`node-gyp exited with ${result.status ?? result.signal}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`@orquesta/${name}: native addon built in ${seconds} s (${join(dir, 'build', 'Release', addon.file)})\n`);
  return true;
}

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in ADDONS));
if (names.includes('--help') || names.includes('-h') || unknown.length > 0) {
  process.stderr.write(`usage: node tools/build-native.mjs [${Object.keys(ADDONS).join('|')}]...  (none: all)\n`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const built = (names.length > 0 ? names : Object.keys(ADDONS)).map(build);
process.exit(required && built.includes(false) ? 1 : 0);
