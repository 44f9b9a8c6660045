/** `orquesta generate --checkpoint DIR --prompt TEXT`: continues the prompt with a trained language model. */
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { loadForInference, positiveInt } from './inference-setup.js';

export interface GenerateFlags {
  readonly checkpoint: string;
  readonly prompt: string;
  readonly maxTokens: string;
  readonly temperature: string;
  readonly topK: string;
  readonly topP: string;
  readonly seed: string;
  readonly backend: string;
}

export async function generateCommand(flags: GenerateFlags, io: CliIO): Promise<ExitCode> {
  const maxTokens = positiveInt('max-tokens', flags.maxTokens, io);
  const temperature = Number(flags.temperature);
  const topK = Number(flags.topK);
  const topP = Number(flags.topP);
  const seed = Number(flags.seed);
  if (maxTokens === undefined) return EXIT.usage;
  if (!(temperature > 0) || !Number.isInteger(topK) || topK < 0 || !(topP > 0 && topP <= 1) || !Number.isInteger(seed)) {
    io.err('orquesta generate: --temperature must be > 0, --top-k an integer >= 0, --top-p in (0, 1], --seed an integer');
    return EXIT.usage;
  }
  const loaded = await loadForInference(flags.checkpoint, flags.backend, 'language-model', io, process.env);
  if (!loaded) return EXIT.usage;
  const { trained, worker } = loaded;
  if (trained.kind !== 'language-model') return EXIT.usage;
  const text = await worker.generate(trained.model, trained.tokenizer, flags.prompt, maxTokens, { temperature, topK, topP, seed });
  io.out(flags.prompt + text);
  return EXIT.ok;
}
