import { curveKeyPair } from 'zeromq';

/** CURVE settings of one rank. */
export interface CurveOptions {
  /** Every rank's public key (Z85, 40 characters), indexed by rank. Only these keys may connect. */
  readonly publicKeys: readonly string[];
  /** This rank's secret key (Z85, 40 characters); it must belong to `publicKeys[rank]`. */
  readonly secretKey: string;
}

/** Key pairs for a whole group, made by whoever starts it (the launcher) and handed to each rank. */
export interface GroupCurveKeys {
  readonly publicKeys: readonly string[];
  readonly secretKeys: readonly string[];
}

/** Generates one CURVE key pair per rank. */
export function createCurveKeys(worldSize: number): GroupCurveKeys {
  const pairs = Array.from({ length: worldSize }, () => curveKeyPair());
  return { publicKeys: pairs.map((p) => p.publicKey), secretKeys: pairs.map((p) => p.secretKey) };
}

/** The CurveOptions of `rank` from the group's keys. */
export function curveOptionsFor(keys: GroupCurveKeys, rank: number): CurveOptions {
  return { publicKeys: keys.publicKeys, secretKey: keys.secretKeys[rank] ?? '' };
}
