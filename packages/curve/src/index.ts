export { createCurveKeys, curveOptionsFor } from './curve-keys.js';
export type { CurveOptions, GroupCurveKeys } from './curve-keys.js';
export { ZapHandler } from './zap-handler.js';
export { z85Decode, z85Encode } from './z85.js';
export { KeyFileError, loadOrCreateKeyPair } from './key-pair-file.js';
export type { KeyPair } from './key-pair-file.js';
export { AgentKeyFileError, AgentKeyList, parseAgentKeys } from './agent-key-list.js';
