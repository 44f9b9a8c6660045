/**
 * CURVE key pairs for one run's data plane, one per rank, made only when its ranks sit on more than
 * one host (their gradients leave the machine); on one host the data plane stays plain.
 */
import { curveKeyPair } from 'zeromq';

export interface RunCurveKeys {
  readonly publicKeys: readonly string[];
  readonly secretKeys: readonly string[];
}

export function runCurveKeys(hostOfRank: readonly string[]): RunCurveKeys | undefined {
  if (new Set(hostOfRank).size <= 1) return undefined;
  const pairs = hostOfRank.map(() => curveKeyPair());
  return { publicKeys: pairs.map((p) => p.publicKey), secretKeys: pairs.map((p) => p.secretKey) };
}
