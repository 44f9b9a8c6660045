export { configFromSpec, defaultTransformerConfig, transformerConfig } from './config.js';
export type { TransformerConfig } from './config.js';
export { BackendUnavailableError, CheckpointFormatError, ModelConfigError, ModelError } from './errors.js';
export {
  AUTO_BACKEND,
  backendOptionsFromEnv,
  DAWN_BACKEND_ENV,
  registerBackend,
  registeredBackends,
  resolveBackendName,
  selectBackend,
} from './backend/select-backend.js';
export type { BackendLoader, SelectBackendOptions } from './backend/select-backend.js';
export { wasmHeapBytes } from './backend/wasm-heap-bytes.js';
export { matMulNN } from './ops/mat-mul.js';
export { embeddingLookup } from './ops/embedding-lookup.js';
export { DropoutRng } from './ops/dropout.js';
export { labelSmoothedCrossEntropy } from './loss.js';
export type { LossResult } from './loss.js';
export { causalBias, paddingBias } from './masks.js';
export { ParameterStore } from './parameters.js';
export { Seq2SeqTransformer } from './models/seq2seq-transformer.js';
export { lmAttention, seq2seqAttention } from './attention-maps.js';
export type { AttentionStack, Seq2SeqAttention } from './attention-maps.js';
export type { AttentionObserver, AttentionSite } from './layers/block-context.js';
export type { Encoded } from './models/seq2seq-transformer.js';
export { DecoderOnlyLM } from './models/decoder-only-lm.js';
export type { LmInputs, Seq2SeqInputs } from './models/batch-inputs.js';
export type { IncrementalDecoder } from './decoding/incremental-decoder.js';
export { seq2seqDecoder } from './decoding/seq2seq-decoder.js';
export { lmDecoder } from './decoding/lm-decoder.js';
export { greedySearch } from './decoding/greedy.js';
export { beamSearch, gnmtLengthPenalty } from './decoding/beam-search.js';
export type { BeamOptions } from './decoding/beam-search.js';
export { sample, sampleToken } from './decoding/sampling.js';
export type { SamplingOptions } from './decoding/sampling.js';
export { DEFAULT_DECODE_TOKENS } from './decoding/special-tokens.js';
export type { DecodeTokens } from './decoding/special-tokens.js';
export { decodeSafetensors, encodeSafetensors, encodeSafetensorsParts, safetensorsPrefix } from './checkpoint/safetensors.js';
export type { NamedArray, SafetensorsFile } from './checkpoint/safetensors.js';
export { CONFIG_KEY, loadWeights, readConfig, saveWeights } from './checkpoint/model-weights.js';
