/** `orquesta status ID`: an experiment's state, its trials (best by validation loss) and workers. */
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, table, withClient, type ClientFlags } from './coordinator-client.js';

interface TrialView {
  idx: number;
  state: string;
  /** 1-based place in the scheduler's queue while waiting, else null. */
  queuePosition: number | null;
  /** The quota a waiting trial waits for, else null. */
  waitingFor?: string | null;
  overrides: Record<string, unknown>;
  attempt: number;
  restarts: number;
  maxRestarts: number;
  step: number;
  trainLoss: number | null;
  validLoss: number | null;
  tokensPerSecond: number | null;
  lastCheckpoint: string | null;
  goodput: { goodput: number; wallSeconds: number; seconds: Record<string, number> } | null;
  rankSpeeds: Record<string, number> | null;
  workers: { rank: number; agent: string; host: string; port: number; slots: number[]; pid: number | null; state: string }[];
}

export async function statusCommand(idText: string, flags: ClientFlags & { json?: boolean }, io: CliIO): Promise<ExitCode> {
  const id = experimentId('status', idText, io);
  if (id === undefined) return EXIT.usage;
  return withClient('status', io, async () => {
    const s = await clientFor(flags, io).status(id);
    if (flags.json) {
      io.out(JSON.stringify(s));
      return EXIT.ok;
    }
    const trials = s['trials'] as TrialView[];
    const best = s['bestTrial'] as { idx: number; validLoss: number; overrides: Record<string, unknown>; checkpoint: string | null } | null;
    io.out(
      `experiment ${String(s['id'])} ${String(s['name'])}: ${String(s['state'])} (priority ${String(s['priority'])}, ${trials.length} trial${trials.length === 1 ? '' : 's'}${s['submitter'] ? `, submitted by ${String(s['submitter'])}` : ''})`,
    );
    if (best)
      io.out(
        `best trial: ${best.idx} with validation loss ${best.validLoss.toFixed(4)} ${JSON.stringify(best.overrides)}${best.checkpoint ? `, checkpoint ${best.checkpoint}` : ''}`,
      );
    const n = (v: number | null, digits = 3) => (v === null ? '-' : v.toFixed(digits));
    for (const line of table(
      ['TRIAL', 'STATE', 'STEP', 'TRAIN LOSS', 'VALID LOSS', 'TOK/S', 'GOODPUT', 'RESTARTS', 'SEARCH POINT'],
      trials.map((t) => [
        String(t.idx),
        t.queuePosition === null || t.queuePosition === undefined ? t.state : `${t.state} #${t.queuePosition}`,
        String(t.step),
        n(t.trainLoss),
        n(t.validLoss),
        n(t.tokensPerSecond, 0),
        t.goodput === null ? '-' : `${(t.goodput.goodput * 100).toFixed(1)}%`,
        `${t.restarts}/${t.maxRestarts}`,
        Object.keys(t.overrides).length ? JSON.stringify(t.overrides) : '-',
      ]),
    ))
      io.out(line);
    for (const t of trials.filter((x) => x.waitingFor)) io.out(`trial ${t.idx} waits for ${t.waitingFor}`);
    for (const t of trials.filter((x) => x.goodput !== null && x.goodput.wallSeconds > 0)) {
      const g = t.goodput!;
      const rest = Object.entries(g.seconds)
        .filter(([use, sec]) => use !== 'productive' && sec > 0)
        .map(([use, sec]) => `${use} ${sec.toFixed(1)} s`);
      io.out(
        `trial ${t.idx} goodput ${(g.goodput * 100).toFixed(1)}%: productive ${(g.seconds['productive'] ?? 0).toFixed(1)} s of ${g.wallSeconds.toFixed(1)} s${rest.length > 0 ? `; ${rest.join(', ')}` : ''}`,
      );
    }
    for (const t of trials.filter((x) => x.workers.length > 0 && ['scheduled', 'running', 'checkpointing', 'restarting'].includes(x.state))) {
      io.out(`trial ${t.idx} attempt ${t.attempt} workers:`);
      for (const w of t.workers) {
        const speed = t.rankSpeeds?.[String(w.rank)];
        io.out(
          `  rank ${w.rank}  ${w.agent} (${w.host}:${w.port})  slots ${w.slots.join(',')}  pid ${w.pid ?? '-'}  ${w.state}${speed === undefined ? '' : `  speed ${speed.toFixed(2)}`}`,
        );
      }
    }
    return EXIT.ok;
  });
}
