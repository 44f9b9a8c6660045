/**
 * Predicted peak memory of one worker of a spec, without launching anything, and whether it fits:
 *
 *   wasm heap  = PARAM_HEAP_BYTES x parameters       (tfjs variables, the backward pass's gradients)
 *              + micro-batch tokens x (TOKEN_LAYER_BYTES x (d_model + d_ff / 4) / 2 x layers
 *                                      + TOKEN_VOCAB_BYTES x vocabulary)   (activations kept for backward)
 *              + attention scores: micro-batch tokens x longest sequence x heads x SCORE_BYTES x attention layers
 *              + HEAP_BASE_BYTES
 *   host RSS   = wasm heap
 *              + 8 bytes x parameters    (the optimizer's float32 copy of the parameters, and the summed
 *                                          gradients, which are the communication buckets; outside the heap)
 *              + 8 bytes x parameters / S (Adam's two moments; S = workers with optimizer.shard, else 1)
 *              + PROCESS_BASE_BYTES + PROCESS_PARAM_BYTES x parameters (Node, tfjs, the data, transient copies)
 *   rank 0, from its first checkpoint on, with checkpoint.background (the default): + the staging copy
 *              of a checkpoint, 4 bytes x parameters + 8 bytes x parameters with Adam (the whole
 *              optimizer state, sharded or not), kept between saves
 *
 * Micro-batch tokens are training.max_tokens_per_batch: the batcher keeps rows x max(source, target
 * length) within it, so source and target sides hold at most that many tokens each, and no sentence is
 * longer than data.max_len. That worst case (every batch full on both sides, every sentence at the
 * longest) decides whether a spec is refused; the figures predicted for a run take real batches'
 * activations as BATCH_FILL of it (on the Spanish-English pairs the target side holds about an eighth
 * fewer tokens than the source side that fills the budget, and sentences are far shorter than
 * data.max_len; measured on the training runs of docs/results.md). The constants were fitted to `orquesta bench model --model bench|base|big --batch B
 * --length L --json` (wasm-native, d_ff = 4 d_model; 128 to 4,096 tokens per step, lengths 32 and 128):
 * see docs/results.md, "Large models". The wasm heap is one WebAssembly memory of at most 4 GiB
 * (65,536 pages), whatever the machine has; on the tensorflow backends tensors live in the host's or
 * the GPU's memory instead, which this model does not cover.
 */
import type { ExperimentSpec } from '@orquesta/protocol';
import { parameterCount } from './parameter-count.js';

/** tfjs-backend-wasm's memory maximum: 65,536 pages of 64 KiB. */
export const WASM_HEAP_LIMIT_BYTES = 2 ** 32;

const MIB = 2 ** 20;
const PARAM_HEAP_BYTES = 8.5;
const TOKEN_LAYER_BYTES = 345;
const TOKEN_VOCAB_BYTES = 11;
const SCORE_BYTES = 27;
const HEAP_BASE_BYTES = 100 * MIB;
const BATCH_FILL = 0.88;
const PROCESS_BASE_BYTES = 200 * MIB;
const PROCESS_PARAM_BYTES = 1;

export interface MemoryPlan {
  readonly parameters: number;
  /** Whether the backend keeps tensors on a wasm heap (wasm, wasm-native, auto). */
  readonly wasm: boolean;
  /** Per worker, bytes: predicted for real batches; `worstCase` with every batch full (what refusals use). */
  readonly heap: { readonly parameters: number; readonly activations: number; readonly base: number; readonly total: number; readonly worstCase: number };
  /** Per worker, bytes (the heap included when `wasm`): predicted, and with the heap's worst case. */
  readonly rss: {
    readonly heap: number;
    readonly parameterCopies: number;
    readonly optimizer: number;
    readonly base: number;
    readonly total: number;
    readonly worstCase: number;
    /** Rank 0's more, once it has written a checkpoint in the background (not in total or worstCase, which are every worker's). */
    readonly checkpointStaging: number;
  };
  /** Workers that hold a share of the optimizer state: resources.workers with optimizer.shard, else 1. */
  readonly shards: number;
  /** Why the spec cannot run, each naming the field to change; empty when it fits. */
  readonly problems: readonly string[];
}

export interface MemoryLimits {
  /** Memory available (bytes) to the workers that share one host; unchecked when absent. */
  readonly hostBytes?: number;
  /** Workers sharing that host. Defaults to 1. */
  readonly perHost?: number;
}

export function planMemory(
  spec: Pick<ExperimentSpec, 'task' | 'model' | 'tokenizer' | 'training' | 'optimizer' | 'resources' | 'data'> & {
    readonly checkpoint?: Pick<ExperimentSpec['checkpoint'], 'background'>;
  },
  workers: number,
  limits: MemoryLimits = {},
): MemoryPlan {
  const parameters = parameterCount(spec);
  const wasm = ['wasm', 'wasm-native', 'auto'].includes(spec.resources.backend);
  const shards = spec.optimizer.shard ? workers : 1;
  const perToken = perTokenBytes(spec);
  const tokens = spec.training.max_tokens_per_batch;
  const heapParameters = PARAM_HEAP_BYTES * parameters;
  const worstActivations = tokens * perToken;
  const activations = BATCH_FILL * worstActivations;
  const heapTotal = heapParameters + activations + HEAP_BASE_BYTES;
  const heapWorst = heapParameters + worstActivations + HEAP_BASE_BYTES;
  const parameterCopies = 8 * parameters;
  const optimizer = spec.optimizer.kind === 'sgd' ? 0 : (8 * parameters) / shards;
  const base = PROCESS_BASE_BYTES + PROCESS_PARAM_BYTES * parameters;
  const rssTotal = heapTotal + parameterCopies + optimizer + base;
  const rssWorst = rssTotal - heapTotal + heapWorst;
  const checkpointStaging = spec.checkpoint?.background === false ? 0 : 4 * parameters + (spec.optimizer.kind === 'sgd' ? 0 : 8 * parameters);
  const problems: string[] = [];
  if (wasm && heapWorst > WASM_HEAP_LIMIT_BYTES) {
    const room = WASM_HEAP_LIMIT_BYTES - heapParameters - HEAP_BASE_BYTES;
    const fitting = Math.floor(room / perToken);
    problems.push(
      fitting >= Math.min(tokens, spec.data.max_len)
        ? `wasm heap: ${mib(heapWorst)} MiB per worker with full batches, over the 4096 MiB a wasm backend can address (${mib(heapParameters)} MiB for ${(parameters / 1e6).toFixed(2)} M parameters, ${mib(worstActivations)} MiB of activations for ${tokens} tokens): set training.max_tokens_per_batch to at most ${fitting} (and raise training.accumulate to keep the batch), or run resources.backend tensorflow`
        : `wasm heap: ${(parameters / 1e6).toFixed(2)} M parameters need ${mib(heapParameters + HEAP_BASE_BYTES)} MiB before activations, leaving room for ${Math.max(0, fitting)} tokens per micro-batch, fewer than one sequence of data.max_len ${spec.data.max_len}, of the 4096 MiB a wasm backend can address: shrink the model (model.d_model, model.d_ff, model.encoder_layers, model.decoder_layers), lower data.max_len, or run resources.backend tensorflow`,
    );
  }
  const perHost = limits.perHost ?? 1;
  if (limits.hostBytes !== undefined && perHost * rssWorst + checkpointStaging > limits.hostBytes) {
    const sharding = !spec.optimizer.shard && workers > 1 && spec.optimizer.kind !== 'sgd';
    problems.push(
      `host memory: ${perHost} worker(s) x ${mib(rssWorst)} MiB with full batches${
        checkpointStaging > 0 ? ` + ${mib(checkpointStaging)} MiB of rank 0's checkpoint staging` : ''
      } = ${mib(perHost * rssWorst + checkpointStaging)} MiB, over the ${mib(limits.hostBytes)} MiB available on this host: ${
        sharding ? `set optimizer.shard: true (saves ${mib(optimizer - optimizer / workers)} MiB per worker), ` : ''
      }${checkpointStaging > 0 ? 'set checkpoint.background: false, ' : ''}lower training.max_tokens_per_batch or resources.workers per host`,
    );
  }
  return {
    parameters,
    wasm,
    shards,
    heap: { parameters: heapParameters, activations, base: HEAP_BASE_BYTES, total: heapTotal, worstCase: heapWorst },
    rss: { heap: heapTotal, parameterCopies, optimizer, base, total: rssTotal, worstCase: rssWorst, checkpointStaging },
    problems,
  };
}

/** Activation bytes per micro-batch token (see the module comment). */
function perTokenBytes(spec: Pick<ExperimentSpec, 'task' | 'model' | 'tokenizer' | 'data'>): number {
  const { model } = spec;
  const vocab = spec.tokenizer.kind === 'char' ? 256 : spec.tokenizer.vocab_size;
  const width = (model.d_model + model.d_ff / 4) / 2;
  const seq2seq = spec.task === 'translation';
  const layers = model.decoder_layers + (seq2seq ? model.encoder_layers : 0);
  const attentionLayers = seq2seq ? model.encoder_layers + 2 * model.decoder_layers : model.decoder_layers;
  const longest = Math.min(spec.data.max_len ?? model.max_len, model.max_len);
  return TOKEN_LAYER_BYTES * width * layers + TOKEN_VOCAB_BYTES * vocab + SCORE_BYTES * longest * model.heads * attentionLayers;
}

const mib = (bytes: number): number => Math.round(bytes / MIB);
