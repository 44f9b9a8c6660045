import { Option } from 'commander';
import { BACKENDS, type Backend } from '@orquesta/protocol';

/** `--backend` of the commands that run a model: one of the spec's `resources.backend` values. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'compute backend; auto: wasm-native where the native kernels are built, else wasm')
    .choices(BACKENDS)
    .default('auto' satisfies Backend);
}
