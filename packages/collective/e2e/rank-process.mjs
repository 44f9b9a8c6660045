// One rank of a multi-process test. Runs the compiled package; its only argument is a JSON config.
// Prints JSON lines on stdout: {"event":"ready"}, {"event":"progress","ops":N}, {"event":"done",...} or
// {"event":"error",...}.
import { createZmqProcessGroup } from '../dist/index.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const b64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const describe = (e) => ({ name: e?.name, message: e?.message, op: e?.op, seq: e?.seq, waitingFor: e?.waitingFor, detectedBy: e?.detectedBy });

function randomData(length) {
  return Float32Array.from({ length }, () => Math.random() * 2 - 1);
}

/** Every collective on small and awkward sizes; the parent checks the results. */
async function battery(group) {
  const n = group.worldSize;
  const cases = [];
  for (const length of [...new Set([0, 1, Math.max(1, n - 1), 7, 1031, 100_003])]) {
    for (const op of ['sum', 'mean']) {
      const input = randomData(length);
      const output = await group.allReduce(input.slice(), op);
      cases.push({ kind: 'allReduce', op, length, input: b64(input), output: b64(output) });
    }
  }
  const fp16in = randomData(5003);
  const fp16out = await group.allReduce(fp16in.slice(), 'mean', { compression: 'fp16' });
  cases.push({ kind: 'allReduce', op: 'mean', compression: 'fp16', length: fp16in.length, input: b64(fp16in), output: b64(fp16out) });
  const root = n - 1;
  const bcast = Float32Array.from({ length: 1000 }, (_, i) => (group.rank === root ? i * 0.5 + root : -1));
  cases.push({ kind: 'broadcast', root, output: b64(await group.broadcast(bcast, root)) });
  const gathered = await group.allGather(Float32Array.from({ length: group.rank + 1 }, (_, i) => group.rank * 10 + i));
  cases.push({ kind: 'allGather', output: gathered.map(b64) });
  await group.barrier();
  cases.push({ kind: 'barrier' });
  return cases;
}

/** All-reduces without pause until something fails (for kill and stall tests). */
async function loop(group) {
  const data = new Float32Array(config.elements ?? 262_144);
  for (let ops = 1; ; ops++) {
    await group.allReduce(data.fill(1), 'sum');
    if (ops % 5 === 0) say({ event: 'progress', ops });
  }
}

let group;
let sharedMemory = false;
let ring = 'js';
let algorithm = 'ring';
try {
  const onEvent = (e) => {
    if (e.type === 'shared-memory') sharedMemory = e.enabled;
    else if (e.type === 'transport' && e.scope === 'group') ring = e.transport;
    else if (e.type === 'algorithm') algorithm = e.algorithm;
  };
  group = await createZmqProcessGroup({
    rank: config.rank,
    worldSize: config.worldSize,
    endpoints: config.endpoints,
    timeoutMs: config.timeoutMs,
    curve: config.curve,
    segmentBytes: config.segmentBytes,
    sharedMemory: config.sharedMemory,
    transport: config.ring,
    onEvent,
  });
  say({ event: 'ready', sharedMemory, ring, algorithm });
  const result = config.scenario === 'battery' ? await battery(group) : await loop(group);
  say({ event: 'done', rank: config.rank, result });
} catch (error) {
  say({ event: 'error', rank: config.rank, at: Date.now(), error: describe(error) });
  process.exitCode = 3;
} finally {
  await group?.close();
}
