#!/usr/bin/env node
// Builds the native kernels addon (native/binding.gyp) with node-gyp against this Node's
// headers and Debian's OpenBLAS (libopenblas-dev). Run by the workspace's `prepare` script,
// so `npm ci` builds it; run again with `npm run build:native -w @orquesta/kernels`.
//
// The addon is optional: when it cannot be built (no compiler, no OpenBLAS headers) this
// prints why and exits 0, and training uses the plain wasm backend. Set
// ORQUESTA_REQUIRE_NATIVE=1 to make a failed build an error (CI does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nativeDir = join(here, '..', 'native');
const required = process.env.ORQUESTA_REQUIRE_NATIVE === '1';

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

function giveUp(reason) {
  const msg =
    `@orquesta/kernels: native kernels not built: ${reason}. Backend wasm-native is unavailable; ` +
    'training falls back to wasm. Install a C compiler and libopenblas-dev (bash tools/setup-system.sh), then run ' +
    '`npm run build:native -w @orquesta/kernels`.';
  process.stderr.write(`${msg}\n`);
  process.exit(required ? 1 : 0);
}

if (process.platform !== 'linux') giveUp(`platform ${process.platform} is not supported (Linux only)`);
const gyp = nodeGyp();
if (!gyp) giveUp('node-gyp was not found');
if (
  !existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h') &&
  !existsSync('/usr/include/openblas/cblas.h') &&
  !existsSync('/usr/include/cblas.h')
) {
  giveUp('OpenBLAS headers (libopenblas-dev) are missing');
}
// Headers of the running Node: Debian and NodeSource packages install them in /usr/include/node,
// tarball installs beside the binary. node-gyp downloads them only when neither is there.
const prefix = dirname(dirname(process.execPath));
const args = [gyp, 'rebuild', '--directory', nativeDir];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const started = Date.now();
const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(result.stdout + result.stderr);
  giveUp(`node-gyp exited with ${result.status ?? result.signal}`);
}
process.stdout.write(
  `@orquesta/kernels: native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (${join(nativeDir, 'build', 'Release', 'orquesta_kernels.node')})\n`,
);
