/**
 * CURVE key pairs for one run's data plane, one per rank, made only when its ranks sit on more than
 * one host (their gradients leave the machine); on one host the data plane stays plain.
 */
import { createCurveKeys, type GroupCurveKeys } from '@orquesta/curve';

export type RunCurveKeys = GroupCurveKeys;

export function runCurveKeys(hostOfRank: readonly string[]): RunCurveKeys | undefined {
  if (new Set(hostOfRank).size <= 1) return undefined;
  return createCurveKeys(hostOfRank.length);
}
