/** SQLite rows (snake_case columns, JSON in text columns) to the store's typed rows. */
import type { JobState, StopTarget } from '../jobs/job-state.js';
import type { Placement } from '../scheduler/cluster-view.js';
import type { AgentRow, AgentState, EventRow, ExperimentRow, LogRow, MetricRow, SchedulingRow, TrialRow, WorkerRow } from './rows.js';

export type Row = Record<string, unknown>;

export function experimentRow(r: Row): ExperimentRow {
  return { ...experimentHeader(r), specYaml: String(r['spec_yaml']) };
}

/** An experiment row without its spec (lists read no spec). */
export function experimentHeader(r: Row): Omit<ExperimentRow, 'specYaml'> {
  return {
    id: Number(r['id']),
    name: String(r['name']),
    state: r['state'] as JobState,
    priority: Number(r['priority']),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
    submitter: r['submitter'] == null ? null : String(r['submitter']),
  };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function trialRow(r: Row): TrialRow {
  return {
    experimentId: Number(r['experiment_id']),
    idx: Number(r['idx']),
    overrides: JSON.parse(String(r['overrides_json'])) as Record<string, unknown>,
    specJson: String(r['spec_json']),
    stopTarget: (r['stop_target'] as StopTarget | null) ?? null,
    attempt: Number(r['attempt']),
    restarts: Number(r['restarts']),
    maxRestarts: Number(r['max_restarts']),
    ...schedulingRow(r),
    checkpointDir: String(r['checkpoint_dir']),
    lastStep: Number(r['last_step']),
    lastCheckpoint: (r['last_checkpoint'] as string | null) ?? null,
    trainLoss: num(r['train_loss']),
    validLoss: num(r['valid_loss']),
    validPerplexity: num(r['valid_perplexity']),
    tokensPerSecond: num(r['tokens_per_second']),
    goodputJson: (r['goodput_json'] as string | null | undefined) ?? null,
    rankSpeeds: r['rank_speeds_json'] == null ? null : (JSON.parse(String(r['rank_speeds_json'])) as Record<string, number>),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
  };
}

export function schedulingRow(r: Row): SchedulingRow {
  return {
    id: Number(r['id']),
    state: r['state'] as JobState,
    priority: Number(r['priority']),
    preemptible: Number(r['preemptible']) === 1,
    workers: Number(r['workers']),
    minWorkers: r['min_workers'] == null ? Number(r['workers']) : Number(r['min_workers']),
    slotsPerWorker: Number(r['slots_per_worker']),
    launcher: r['launcher'] === 'slurm' ? 'slurm' : 'agents',
    queuedAt: Number(r['queued_at']),
    placedAt: num(r['placed_at']),
    placement: r['placement_json'] == null ? null : (JSON.parse(String(r['placement_json'])) as Placement),
    submitter: (r['submitter'] as string | null | undefined) ?? null,
  };
}

export function metricRow(r: Row): MetricRow {
  return {
    id: Number(r['id']),
    ts: Number(r['ts']),
    trialId: Number(r['trial_id']),
    step: Number(r['step']),
    kind: r['kind'] as MetricRow['kind'],
    values: JSON.parse(String(r['json'])) as Record<string, unknown>,
  };
}

export function workerRow(r: Row): WorkerRow {
  return {
    run: String(r['run']),
    trialId: Number(r['trial_id']),
    rank: Number(r['rank']),
    agent: String(r['agent']),
    host: String(r['host']),
    port: Number(r['port']),
    slots: JSON.parse(String(r['slots_json'])) as number[],
    pid: num(r['pid']),
    state: r['state'] as WorkerRow['state'],
    exitCode: num(r['exit_code']),
    exitSignal: (r['exit_signal'] as string | null) ?? null,
    updatedAt: Number(r['updated_at']),
  };
}

export function agentRow(r: Row): AgentRow {
  return {
    id: String(r['id']),
    host: String(r['host']),
    slots: Number(r['slots']),
    gpus: JSON.parse(String(r['gpus_json'])) as string[],
    ports: JSON.parse(String(r['ports_json'])) as [number, number],
    state: r['state'] as AgentState,
    lastSeen: Number(r['last_seen']),
    registeredAt: Number(r['registered_at']),
  };
}

export function eventRow(r: Row): EventRow {
  return {
    id: Number(r['id']),
    ts: Number(r['ts']),
    experimentId: r['experiment_id'] === null ? null : Number(r['experiment_id']),
    trialId: r['trial_id'] === null ? null : Number(r['trial_id']),
    kind: String(r['kind']),
    fromState: (r['from_state'] as JobState | null) ?? null,
    toState: (r['to_state'] as JobState | null) ?? null,
    message: String(r['message']),
  };
}

export function logRow(r: Row): LogRow {
  return { id: Number(r['id']), ts: Number(r['ts']), trialId: Number(r['trial_id']), rank: Number(r['rank']), line: String(r['line']) };
}
