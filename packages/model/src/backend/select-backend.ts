/**
 * Compute backends by name. Each name maps to a loader that imports (and so registers) the tfjs
 * backend; optional ones are imported only when asked for. After `tf.setBackend`, the active
 * backend is checked: tfjs otherwise falls back silently to another backend when one fails.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backend } from '@orquesta/protocol';
import { installNativeKernels, installSharedIdentity, nativeKernelsAvailable, setNativeKernelsEnabled } from '@orquesta/kernels';
import { BackendUnavailableError } from '../errors.js';
import { setFastTransposedProducts } from './product-style.js';
import { installDawnNavigator } from './webgpu-navigator.js';

/** Settings of `selectBackend` that come from the environment: entry points build them with `backendOptionsFromEnv`. */
export interface SelectBackendOptions {
  /** Dawn's backend under `webgpu` (e.g. vulkan); without one, opengles, which also runs on Mesa llvmpipe without a GPU driver. */
  readonly dawnBackend?: string;
}

/** The environment variable that sets `SelectBackendOptions.dawnBackend`. */
export const DAWN_BACKEND_ENV = 'ORQUESTA_WEBGPU_BACKEND';

/** The backend settings an environment (an entry point's `process.env`) asks for. */
export function backendOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): SelectBackendOptions {
  const dawnBackend = env[DAWN_BACKEND_ENV];
  return dawnBackend ? { dawnBackend } : {};
}

/** Loads a backend's module; tfjs registers it on import. @throws on a missing package. */
export type BackendLoader = (options: SelectBackendOptions) => Promise<void>;

interface BackendEntry {
  /** The name tfjs registers the backend under. */
  readonly tfjsName: string;
  readonly load: BackendLoader;
  /** Runs once the tfjs backend is initialised (kernel overrides). @throws BackendUnavailableError */
  readonly afterInit?: () => void;
  /** Whether transposed matmuls run at full speed (see product-style.ts). Defaults to true. */
  readonly fastTransposes?: boolean;
}

/** Name of the default backend: wasm-native where the native kernels are built, else wasm. */
export const AUTO_BACKEND = 'auto' satisfies Backend;

/** What `auto` means on this machine. */
export function resolveBackendName(name: string): string {
  if (name !== AUTO_BACKEND) return name;
  return nativeKernelsAvailable() ? ('wasm-native' satisfies Backend) : ('wasm' satisfies Backend);
}

function installNative(): void {
  try {
    installNativeKernels();
  } catch (cause) {
    throw new BackendUnavailableError('wasm-native', `backend "wasm-native" is unavailable: ${(cause as Error).message}`, { cause });
  }
  setNativeKernelsEnabled(true);
}

function optional(pkg: string, hint: string): BackendLoader {
  return async () => {
    try {
      await import(pkg);
    } catch (cause) {
      throw new BackendUnavailableError(pkg, `${pkg} is not installed: ${hint}`, { cause });
    }
  };
}

/** A backend of the spec's `resources.backend` list other than `auto`. */
type BuiltInBackend = Exclude<Backend, typeof AUTO_BACKEND>;

/** The spec's backends (`BACKENDS` of @orquesta/protocol, less auto): the type asks for exactly one entry each. */
const builtIn: Record<BuiltInBackend, BackendEntry> = {
  wasm: {
    tfjsName: 'wasm',
    load: async () => void (await import('@tensorflow/tfjs-backend-wasm')),
    afterInit: () => {
      installSharedIdentity();
      setNativeKernelsEnabled(false);
    },
    fastTransposes: false,
  },
  'wasm-native': {
    tfjsName: 'wasm',
    load: async () => void (await import('@tensorflow/tfjs-backend-wasm')),
    afterInit: installNative,
  },
  cpu: { tfjsName: 'cpu', load: async () => void (await import('@tensorflow/tfjs-backend-cpu')) },
  webgpu: {
    tfjsName: 'webgpu',
    load: async (options) => {
      await installDawnNavigator(options.dawnBackend);
      await import('@tensorflow/tfjs-backend-webgpu');
    },
  },
  tensorflow: { tfjsName: 'tensorflow', load: optional('@tensorflow/tfjs-node', 'run `npm install @tensorflow/tfjs-node@4.22.0` (downloads libtensorflow)') },
  'tensorflow-gpu': {
    tfjsName: 'tensorflow',
    load: optional('@tensorflow/tfjs-node-gpu', 'run `npm install @tensorflow/tfjs-node-gpu@4.22.0` on a machine with CUDA 11.2 and cuDNN 8'),
  },
};

const registry = new Map<string, BackendEntry>(Object.entries(builtIn));

/**
 * Makes another backend selectable by name, e.g. `wasm-native` from the kernels package.
 * @throws {BackendUnavailableError} when the name is taken.
 */
export function registerBackend(name: string, tfjsName: string, load: BackendLoader): void {
  if (registry.has(name)) throw new BackendUnavailableError(name, `backend "${name}" is already registered`);
  registry.set(name, { tfjsName, load });
}

export function registeredBackends(): string[] {
  return [...registry.keys()];
}

/**
 * tfjs-core's Node build registers no gradients; the @tensorflow/tfjs package registers all of
 * them (into tfjs's global registry). Imported once, with tfjs's console banners switched off.
 */
let gradientsLoaded: Promise<void> | undefined;
function loadGradients(): Promise<void> {
  tf.env().set('PROD', true);
  gradientsLoaded ??= import('@tensorflow/tfjs').then(() => replaceArrayGradients());
  return gradientsLoaded;
}

/**
 * The @tensorflow/tfjs bundle carries its own copy of tfjs-core's ops, and the gradients it
 * registers call that copy; ops that take an array of tensors check the array against the copy's
 * Tensor class and reject this package's tensors. The gradients that call such ops are
 * re-registered here with this package's ops.
 */
function replaceArrayGradients(): void {
  tf.registerGradient({
    kernelName: 'Unpack',
    gradFunc: (dy, _saved, attrs) => {
      const parts = (Array.isArray(dy) ? dy : [dy]) as (tf.Tensor | null)[];
      const like = parts.find((d): d is tf.Tensor => d !== null);
      return {
        value: () =>
          tf.stack(
            parts.map((d) => d ?? tf.zerosLike(like!)),
            (attrs as unknown as { axis: number }).axis,
          ),
      };
    },
  });
}

/**
 * Activates `name` (or, for `auto`, wasm-native where it is built and wasm elsewhere) and
 * proves it is active. Returns the name of the backend now in use. `options` default to none; entry
 * points pass what their environment asks for (`backendOptionsFromEnv(process.env)`).
 * @throws {BackendUnavailableError} when the name is unknown, its package is missing, or tfjs
 * ended up on another backend.
 */
export async function selectBackend(requested: string, options: SelectBackendOptions = {}): Promise<string> {
  const name = resolveBackendName(requested);
  const entry = registry.get(name);
  if (!entry) {
    throw new BackendUnavailableError(name, `unknown backend "${name}"; registered: ${registeredBackends().join(', ')} or auto`);
  }
  await loadGradients();
  await entry.load(options);
  let ok = false;
  try {
    ok = await tf.setBackend(entry.tfjsName);
    await tf.ready();
  } catch (cause) {
    throw new BackendUnavailableError(name, `backend "${name}" failed to initialise`, { cause });
  }
  if (!ok || tf.getBackend() !== entry.tfjsName) {
    throw new BackendUnavailableError(name, `backend "${name}" failed to initialise; tfjs is on "${tf.getBackend()}" instead`);
  }
  entry.afterInit?.();
  setFastTransposedProducts(entry.fastTransposes ?? true);
  return name;
}
