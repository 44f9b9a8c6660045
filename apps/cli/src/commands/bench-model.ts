import { EXIT, type CliIO, type ExitCode } from '../io.js';

export interface BenchModelFlags {
  readonly backend: string;
  readonly steps: string;
  readonly warmup: string;
  readonly batch: string;
  readonly length: string;
  /** bench, base or big (commander checks the choice). */
  readonly model?: string;
  readonly json?: boolean;
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * `orquesta bench model`: training-step time of the benchmark Transformer on one backend.
 * The worker and model packages (and tfjs with them) are loaded only when this command runs.
 */
export async function benchModelCommand(flags: BenchModelFlags, io: CliIO): Promise<ExitCode> {
  let steps: number, warmup: number, batch: number, length: number;
  try {
    steps = positive('steps', flags.steps);
    warmup = Number(flags.warmup) === 0 ? 0 : positive('warmup', flags.warmup);
    batch = positive('batch', flags.batch);
    length = positive('length', flags.length);
  } catch (error) {
    io.err(`orquesta bench model: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const [{ runModelBenchmark }, { BackendUnavailableError, backendOptionsFromEnv }] = await Promise.all([
    import('@orquesta/worker'),
    import('@orquesta/model'),
  ]);
  try {
    const result = await runModelBenchmark({
      backend: flags.backend,
      backendOptions: backendOptionsFromEnv(process.env),
      steps,
      warmup,
      batch,
      length,
      size: (flags.model ?? 'bench') as 'bench' | 'base' | 'big',
      onStep: flags.json ? undefined : (step, seconds) => io.err(`step ${step}/${steps}  ${seconds.toFixed(3)} s`),
    });
    if (flags.json) io.out(JSON.stringify(result));
    else {
      io.out(`backend ${result.backend}, ${(result.parameters / 1e6).toFixed(2)} M parameters, ${result.target_tokens_per_step} target tokens per step`);
      io.out(`median step ${result.step_s_median.toFixed(3)} s = ${result.target_tokens_per_s} target tokens/s`);
      io.out(
        `forward ${result.forward_s_median.toFixed(3)} s, backward ${result.backward_s_median.toFixed(3)} s, optimizer ${result.optimizer_s_median.toFixed(3)} s, peak RSS ${result.peak_rss_mb} MB${result.wasm_heap_mb === undefined ? '' : `, wasm heap ${result.wasm_heap_mb} MB`}`,
      );
      if (result.native)
        io.out(`native kernels: ${result.native.kernels.join(', ')}; OpenBLAS ${result.native.blas_core}, ${result.native.blas_threads} thread(s)`);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BackendUnavailableError) {
      io.err(`orquesta bench model: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
}
