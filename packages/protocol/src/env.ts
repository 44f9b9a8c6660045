/**
 * Environment variables that form the contract between launchers and worker processes
 * (torchrun's names where torchrun has one). Read them only in entry points.
 */
export const ENV = {
  /** Global rank of this worker, 0..WORLD_SIZE-1. */
  rank: 'RANK',
  /** Number of workers in the job. */
  worldSize: 'WORLD_SIZE',
  /** Rank of this worker on its node. */
  localRank: 'LOCAL_RANK',
  /** Workers of this job on this node. */
  localWorldSize: 'LOCAL_WORLD_SIZE',
  /** OpenBLAS threads per worker (backend wasm-native); launchers set cores / LOCAL_WORLD_SIZE. */
  blasThreads: 'ORQUESTA_BLAS_THREADS',
  /** Node flags the launchers put before a worker's script instead of RECOMMENDED_RANK_NODE_FLAGS (whitespace-separated; empty: none). */
  rankNodeFlags: 'ORQUESTA_RANK_NODE_FLAGS',
  /** `off` keeps the native kernels addon unloaded: no wasm-native, JS masks and optimizer. */
  nativeKernels: 'ORQUESTA_NATIVE_KERNELS',
  /** host:port of the rendezvous endpoint. */
  rendezvous: 'ORQUESTA_RENDEZVOUS',
  /** Data-plane endpoints of all ranks, comma-separated, in rank order (static rendezvous). */
  peers: 'ORQUESTA_PEERS',
  /** The run (trial attempt) the worker belongs to: names its trace ids. Launchers set it. */
  run: 'ORQUESTA_RUN',
  /** Every rank's CURVE public key (Z85), comma-separated in rank order: the data plane is encrypted. */
  curvePublicKeys: 'ORQUESTA_CURVE_PUBLIC_KEYS',
  /** This rank's CURVE secret key (Z85). */
  curveSecretKey: 'ORQUESTA_CURVE_SECRET_KEY',
  /** The coordinator's control-socket CURVE public key (Z85), for Slurm tasks. */
  controlKey: 'ORQUESTA_CONTROL_KEY',
  /** The CURVE key pair (Z85) Slurm tasks connect to the control socket with, admitted by an agent key list. */
  controlClientPublicKey: 'ORQUESTA_CONTROL_CLIENT_PUBLIC_KEY',
  controlClientSecretKey: 'ORQUESTA_CONTROL_CLIENT_SECRET_KEY',
  /** Path of the validated experiment spec as JSON, defaults applied. */
  spec: 'ORQUESTA_SPEC',
  /** URL of the coordinator's HTTP API, default https://127.0.0.1:7070. */
  coordinator: 'ORQUESTA_COORDINATOR',
  /** PEM file the coordinator's TLS certificate is verified against (the CLI's and agent's --ca). */
  ca: 'ORQUESTA_CA',
  /** SHA-256 fingerprint of the coordinator's TLS certificate: the only one accepted (--tls-fingerprint). */
  tlsFingerprint: 'ORQUESTA_TLS_FINGERPRINT',
  /** The CLI's configuration directory (known-coordinators.json, token). Default: $XDG_CONFIG_HOME/orquesta or ~/.config/orquesta. */
  configDir: 'ORQUESTA_CONFIG_DIR',
  /** Bearer token for the coordinator's mutating API calls. */
  token: 'ORQUESTA_TOKEN',
  /** `peer`: the launcher orchestrates peer recovery; a rank that sees its group break keeps its state and waits for its regroup orders. */
  recovery: 'ORQUESTA_RECOVERY',
  /** Set on a replacement worker (peer recovery): the process group generation it joins, taking its state from the surviving ranks. */
  replacement: 'ORQUESTA_REPLACEMENT',
  /** GPU assigned to the worker (CUDA's own name). */
  cudaVisibleDevices: 'CUDA_VISIBLE_DEVICES',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
