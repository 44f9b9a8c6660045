import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ENV } from './env.js';
import { ExperimentSpecSchema, type ExperimentSpec } from './experiment/experiment-schema.js';
import { parseWorkerSpec, readRankAssignment, readWorkerSetup, toWorkerEnv, workerSpecJson, WorkerSetupError, type WorkerSetup } from './worker-setup.js';

const setup: WorkerSetup = {
  rank: 2,
  worldSize: 4,
  localRank: 0,
  localWorldSize: 2,
  peers: ['tcp://a:29500', 'tcp://a:29501', 'tcp://b:29500', 'ipc:///tmp/x/rank-3.sock'],
  run: '7.1',
  specPath: '/state/runs/7.1/spec.json',
  curve: { publicKeys: ['k0', 'k1', 'k2', 'k3'], secretKey: 's2' },
  cudaVisibleDevices: '1',
  blasThreads: 3,
};

function fullSpec(): ExperimentSpec {
  const value: unknown = { name: 'x', task: 'translation', data: { train: 'd.tsv', source: 'es', target: 'en' } };
  const validate = new Ajv2020({ useDefaults: true, strict: true }).compile<ExperimentSpec>(ExperimentSpecSchema);
  if (!validate(value)) throw new Error('fixture spec is invalid');
  return value;
}

describe('worker setup', () => {
  it('round-trips through the environment', () => {
    expect(readWorkerSetup(toWorkerEnv(setup))).toEqual(setup);
    const { curve: _c, cudaVisibleDevices: _g, blasThreads: _b, ...plain } = setup;
    expect(readWorkerSetup(toWorkerEnv(plain))).toEqual(plain);
  });

  it('carries peer recovery: ORQUESTA_RECOVERY peer, and the generation a replacement joins', () => {
    const replacement = { ...setup, peerRecovery: true, joinGeneration: 3 };
    expect(readWorkerSetup(toWorkerEnv(replacement))).toEqual(replacement);
    expect(toWorkerEnv(replacement)).toMatchObject({ [ENV.recovery]: 'peer', [ENV.replacement]: '3' });
    const env = toWorkerEnv(setup);
    expect(() => readWorkerSetup({ ...env, [ENV.replacement]: '1' })).toThrow(
      new WorkerSetupError(`${ENV.replacement} is set but ${ENV.recovery} is not peer`),
    );
    expect(() => readWorkerSetup({ ...env, [ENV.recovery]: 'maybe' })).toThrow(/ORQUESTA_RECOVERY must be peer or empty, got "maybe"/);
  });

  it('defaults the local rank and size to the global ones when a launcher leaves them out', () => {
    const env = toWorkerEnv({ ...setup, curve: undefined as never });
    delete env[ENV.localRank];
    delete env[ENV.localWorldSize];
    delete env[ENV.curvePublicKeys];
    delete env[ENV.curveSecretKey];
    expect(readRankAssignment(env)).toMatchObject({ localRank: 2, localWorldSize: 4 });
  });

  it.each([
    [{ [ENV.rank]: 'x' }, /RANK must be an integer >= 0, got "x"/],
    [{ [ENV.rank]: '4' }, /RANK 4 is not below WORLD_SIZE 4/],
    [{ [ENV.worldSize]: '0' }, /WORLD_SIZE must be an integer >= 1/],
    [{ [ENV.peers]: 'tcp://a:1,tcp://b:2' }, /ORQUESTA_PEERS lists 2 endpoints for 4 ranks/],
    [{ [ENV.peers]: 'tcp://a:1,tcp://b:2,c,ipc:///d' }, /ORQUESTA_PEERS has "c"/],
    [{ [ENV.run]: '' }, /ORQUESTA_RUN is not set/],
    [{ [ENV.curvePublicKeys]: 'k0' }, /ORQUESTA_CURVE_PUBLIC_KEYS lists 1 keys for 4 ranks/],
    [{ [ENV.spec]: undefined }, /ORQUESTA_SPEC is not set/],
    [{ [ENV.blasThreads]: '0' }, /ORQUESTA_BLAS_THREADS must be a positive integer/],
    [{ [ENV.localRank]: '2' }, /LOCAL_RANK 2 and LOCAL_WORLD_SIZE 2 do not fit/],
  ])('names the variable at fault: %o', (change, message) => {
    const env: Record<string, string | undefined> = { ...toWorkerEnv(setup), ...change };
    expect(() => readWorkerSetup(env)).toThrow(WorkerSetupError);
    expect(() => readWorkerSetup(env)).toThrow(message);
  });

  it('reads back the spec file a launcher writes', () => {
    const spec = fullSpec();
    expect(parseWorkerSpec(workerSpecJson(spec), 'spec.json')).toEqual(spec);
  });

  it('fills fields missing from an older spec file with their defaults', () => {
    const spec = fullSpec() as unknown as Record<string, Record<string, unknown>>;
    delete spec['collective']!['timeout_s'];
    expect(parseWorkerSpec(JSON.stringify(spec), 'spec.json').collective.timeout_s).toBe(30);
  });

  it('names the field of a wrong or stale spec file', () => {
    const spec = fullSpec() as unknown as Record<string, Record<string, unknown>>;
    spec['model']!['d_model'] = 'wide';
    spec['training']!['max_stepz'] = 3;
    const text = JSON.stringify(spec);
    expect(() => parseWorkerSpec(text, '/r/spec.json')).toThrow(/the spec at \/r\/spec.json is not valid for this worker: .*model.d_model must be integer/);
    expect(() => parseWorkerSpec(text, '/r/spec.json')).toThrow(/training must NOT have additional properties "max_stepz"/);
    expect(() => parseWorkerSpec('{"name":', 'spec.json')).toThrow(/the spec at spec.json is not JSON/);
  });
});
