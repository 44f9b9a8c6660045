/**
 * `orquesta plan SPEC`: where the coordinator would place the spec's workers (GPU per rank) and the
 * step time predicted from measured compute and all-reduce bandwidth, and the peak memory predicted per
 * worker, without launching anything. A spec whose workers cannot fit a wasm heap exits 2 naming the
 * field to change.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CoordinatorUnreachableError, formatMemoryPlan, parseProfile, planMemory, predictStep, type Profile } from '@orquesta/coordinator';
import { formatProblem, loadSpecFile } from '@orquesta/spec';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, withClient, type ClientFlags } from './coordinator-client.js';

export const DEFAULT_PROFILE = '.orquesta/profile.jsonl';

export interface PlanFlags extends ClientFlags {
  readonly workers?: string;
  readonly profile?: string;
  /** Workers per host when no coordinator gives a placement. */
  readonly perHost?: string;
  readonly json?: boolean;
}

interface PlacementView {
  fitsNow: boolean;
  reason: string;
  capacity: { agents: number; slots: number; free: number };
  placement: { rank: number; agent: string; host: string; slots: number[]; gpus: string[] }[] | null;
}

export async function planCommand(file: string, flags: PlanFlags, io: CliIO): Promise<ExitCode> {
  const loaded = await loadSpecFile(file);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.out(formatProblem(problem));
    return EXIT.usage;
  }
  const spec = loaded.spec;
  const workers = flags.workers === undefined ? spec.resources.workers : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 4096) {
    io.err(`orquesta plan: --workers must be an integer from 1 to 4096, got ${JSON.stringify(flags.workers)}`);
    return EXIT.usage;
  }
  const perHostFlag = flags.perHost === undefined ? undefined : Number(flags.perHost);
  if (perHostFlag !== undefined && (!Number.isInteger(perHostFlag) || perHostFlag < 1 || perHostFlag > workers)) {
    io.err(`orquesta plan: --per-host must be an integer from 1 to the worker count (${workers}), got ${JSON.stringify(flags.perHost)}`);
    return EXIT.usage;
  }
  const profilePath = flags.profile ?? (existsSync(DEFAULT_PROFILE) ? DEFAULT_PROFILE : undefined);
  let profile: Profile = { model: [], allReduce: [], contention: [] };
  if (profilePath !== undefined) {
    try {
      profile = parseProfile(await readFile(profilePath, 'utf8'));
    } catch (error) {
      io.err(`orquesta plan: cannot read --profile ${profilePath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return EXIT.usage;
    }
  }
  return withClient('plan', io, async () => {
    let placement: PlacementView | null = null;
    let placementNote = '';
    try {
      placement = (await clientFor(flags, io).plan(await readFile(file, 'utf8'), file, workers)) as unknown as PlacementView;
    } catch (error) {
      if (!(error instanceof CoordinatorUnreachableError)) throw error;
      placementNote = error.message;
    }
    const ranksPerHost = ranksPerHostOf(placement) ?? spread(workers, perHostFlag ?? 1);
    const perHost = Math.max(...ranksPerHost);
    const prediction = predictStep(spec, workers, profile, { ranksPerHost, perHost });
    const memory = planMemory(spec, workers, { perHost });
    const code = memory.problems.length > 0 ? EXIT.usage : EXIT.ok;
    if (flags.json) {
      io.out(
        JSON.stringify({
          experiment: spec.name,
          workers,
          slotsPerWorker: spec.resources.slots_per_worker,
          placement,
          placementNote: placementNote || undefined,
          profile: profilePath ?? null,
          prediction,
          memory,
        }),
      );
      return code;
    }
    const s = prediction.seconds;
    io.out(`plan: ${spec.name}, ${workers} worker(s) x ${spec.resources.slots_per_worker} slot(s), backend ${spec.resources.backend}`);
    io.out(
      `model: ${(prediction.parameters / 1e6).toFixed(2)} M parameters, gradients ${(prediction.gradientBytes / 1e6).toFixed(1)} MB per step (${spec.collective.compression === 'fp16' ? 'fp16' : 'fp32'}) in ${prediction.buckets} bucket(s) of ${spec.collective.bucket_mb} MB`,
    );
    if (placement) {
      io.out(
        `placement: ${placement.reason} (cluster: ${placement.capacity.agents} agent(s), ${placement.capacity.free} of ${placement.capacity.slots} slots free)`,
      );
      for (const w of placement.placement ?? [])
        io.out(`  rank ${w.rank}  ${w.agent} (${w.host})  slot ${w.slots.join(',')}${w.gpus.length ? `  GPU ${w.gpus.join(',')}` : '  CPU'}`);
    } else io.out(`placement: unknown (${placementNote})`);
    if (s.step !== null && s.compute !== null && s.allReduce !== null && s.optimizer !== null)
      io.out(
        `predicted step: ${s.step.toFixed(3)} s = compute ${s.compute.toFixed(3)} + all-reduce ${s.allReduce.toFixed(3)} + optimizer ${s.optimizer.toFixed(3)}; ${Math.round(prediction.tokensPerSecond ?? 0)} tokens/s over ${workers} worker(s)`,
      );
    else
      io.out(
        `predicted step: needs measurements: orquesta bench model --json >> ${DEFAULT_PROFILE}; orquesta bench allreduce --ranks ${Math.max(2, workers)} --bytes ${Math.max(1, Math.round(prediction.gradientBytes / 2 ** 20))}MiB --json >> ${DEFAULT_PROFILE} (add --shared-memory auto for workers that share a host)`,
      );
    io.out(`all-reduce algorithm: ${prediction.algorithm.algorithm} (${prediction.algorithm.reason})`);
    for (const line of prediction.basis) io.out(`  ${line}`);
    for (const line of formatMemoryPlan(memory)) io.out(line);
    return code;
  });
}

/** Ranks on each host of the placement, in order of first appearance; undefined without a placement. */
function ranksPerHostOf(placement: PlacementView | null): number[] | undefined {
  const ranks = placement?.placement;
  if (!ranks || ranks.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const w of ranks) counts.set(w.host, (counts.get(w.host) ?? 0) + 1);
  return [...counts.values()];
}

/** `workers` spread over hosts of `perHost` each (the last may have fewer): --per-host without a coordinator. */
function spread(workers: number, perHost: number): number[] {
  return Array.from({ length: Math.ceil(workers / perHost) }, (_, h) => Math.min(perHost, workers - h * perHost));
}
