/** Things a group reports without failing an operation: for logs and metrics. */
export type GroupEvent =
  /** A received frame was invalid (garbage, wrong version, out of order) and was dropped. */
  | { readonly type: 'frame-dropped'; readonly reason: string }
  /** The connection to `peer` broke; the group fails unless the peer had closed its group first. */
  | { readonly type: 'peer-lost'; readonly peer: number; readonly reason: string }
  /** CURVE: a client whose public key is not one of the group's keys was refused. */
  | { readonly type: 'auth-denied'; readonly address: string }
  /** A connection's ZMTP or CURVE handshake failed (wrong key, wrong mechanism, bad data). */
  | { readonly type: 'handshake-failed'; readonly address: string; readonly error: string }
  /** Whether all-reduces go through shared memory (every rank on this host) or over the network, and why. */
  | { readonly type: 'shared-memory'; readonly enabled: boolean; readonly detail: string }
  /**
   * Which data plane a ring uses over sockets: the native ring (C, libzmq) or the TypeScript one, and
   * why; `scope` says which ring: the group's, or a hierarchical all-reduce's cross-host ring.
   */
  | { readonly type: 'transport'; readonly transport: 'native' | 'js'; readonly scope: 'group' | 'cross-host'; readonly detail: string }
  /** For ranks on several hosts: whether all-reduces are hierarchical (within, then across hosts) or the flat ring, and why. */
  | { readonly type: 'algorithm'; readonly algorithm: 'ring' | 'hierarchical'; readonly detail: string };

export type GroupEventListener = (event: GroupEvent) => void;
