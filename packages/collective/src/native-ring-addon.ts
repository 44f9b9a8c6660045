import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opened ring of the addon (an N-API External). */
export type NativeRingHandle = object & { readonly __nativeRing: unique symbol };

/** Outcome codes of the addon's run and probe callbacks (native/src/ring.h). */
export const NATIVE_RING_CODE = { ok: 0, cancelled: 1, mismatch: 2, io: 3, timeout: 4 } as const;
export type NativeRingCode = (typeof NATIVE_RING_CODE)[keyof typeof NATIVE_RING_CODE];

/** What `open` needs: ranks are the group's, `position` and `size` the ring's (a ring may be a subset of the group). */
export interface NativeRingConfig {
  readonly self: number;
  readonly left: number;
  readonly right: number;
  readonly position: number;
  readonly size: number;
  readonly wireVersion: number;
  /** CURVE: our keys, the right neighbour's public key, and the left neighbour's, the only one allowed to connect (all Z85). */
  readonly curve?: { readonly publicKey: string; readonly secretKey: string; readonly serverKey: string; readonly clientKey: string };
}

type Done = (code: NativeRingCode, detail: string) => void;

/** The addon's functions (native/src/addon.c). Each throws a TypeError or RangeError on a bad call. */
export interface NativeRingAddon {
  /** @throws {Error} code ERR_ORQ_RING_OPEN when the sockets cannot be created or bound. */
  open(config: NativeRingConfig, bind: string): NativeRingHandle;
  endpoint(handle: NativeRingHandle): string;
  /** Binds one more endpoint; returns it resolved. @throws {Error} code ERR_ORQ_RING_OPEN. */
  bind(handle: NativeRingHandle, endpoint: string): string;
  /** @throws {Error} code ERR_ORQ_RING_CONNECT for an endpoint libzmq refuses. */
  connect(handle: NativeRingHandle, endpoint: string): void;
  probe(handle: NativeRingHandle, timeoutMs: number, done: Done): void;
  run(
    handle: NativeRingHandle,
    data: Float32Array,
    first: number,
    last: number,
    seq: number,
    opCode: number,
    segment: number,
    stepBase: number,
    trace: Buffer | null,
    done: Done,
  ): void;
  progress(handle: NativeRingHandle): number;
  cancel(handle: NativeRingHandle): void;
  /** @throws {Error} code ERR_ORQ_RING_BUSY while an operation runs. */
  close(handle: NativeRingHandle): void;
  library(): { readonly zmq: string; readonly curve: boolean };
}

/** Where `node tools/build-native.mjs collective` puts the addon (relative to src/ and dist/ alike). */
export const NATIVE_RING_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'build', 'Release', 'orquesta_ring.node');

let cached: { readonly addon: NativeRingAddon } | { readonly reason: string } | undefined;

/** The addon, loaded once, or why it is not available (not built, not Linux, libzmq5 missing). */
export function loadNativeRing(): { readonly addon: NativeRingAddon } | { readonly reason: string } {
  cached ??= load();
  return cached;
}

function load(): { readonly addon: NativeRingAddon } | { readonly reason: string } {
  if (process.platform !== 'linux') return { reason: `the native ring is built for Linux only (this is ${process.platform})` };
  if (!existsSync(NATIVE_RING_PATH))
    return { reason: 'the native ring is not built (install libzmq3-dev and a C compiler, then run `node tools/build-native.mjs collective`)' };
  try {
    return { addon: createRequire(import.meta.url)(NATIVE_RING_PATH) as NativeRingAddon };
  } catch (error) {
    return { reason: `the native ring failed to load (is libzmq5 installed?): ${(error as Error).message}` };
  }
}
