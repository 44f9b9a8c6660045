#!/usr/bin/env node
// Scheduling pass latency against queue length, as an SVG, from the pass samples that
// tools/bench/control-plane.mjs writes with --samples FILE (each: at, ms, pending, active, agents, slots):
// every pass as a dot, and the p50 and p99 of each tenth of the queue-length range as lines.
//
//   node tools/bench/control-plane-plot.mjs SAMPLES.json docs/control-plane-schedule.svg
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: control-plane-plot.mjs SAMPLES.json OUT.svg\n');
  process.exit(2);
}
const samples = JSON.parse(readFileSync(input, 'utf8'));
if (samples.length === 0) throw new Error(`${input} holds no samples`);

const [W, H, L, R, T, B] = [720, 420, 64, 20, 36, 52];
const maxX = Math.max(...samples.map((s) => s.pending), 1);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const buckets = Array.from({ length: 10 }, (_, i) => {
  const [lo, hi] = [(i * maxX) / 10, ((i + 1) * maxX) / 10];
  const ms = samples.filter((s) => s.pending >= lo && (i === 9 ? s.pending <= hi : s.pending < hi)).map((s) => s.ms);
  return ms.length === 0 ? undefined : { x: (lo + hi) / 2, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), n: ms.length };
}).filter(Boolean);
const maxY = Math.max(10, ...buckets.map((b) => b.p99)) * 1.15;
const clampY = (ms) => Math.min(ms, maxY);
const x = (v) => L + ((W - L - R) * v) / maxX;
const y = (v) => H - B - ((H - T - B) * clampY(v)) / maxY;
const ticks = (max, n) => Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
const line = (key, color) =>
  `<polyline fill="none" stroke="${color}" stroke-width="2" points="${buckets.map((b) => `${x(b.x).toFixed(1)},${y(b[key]).toFixed(1)}`).join(' ')}"/>`;
const agents = samples.at(-1).agents;
const slots = samples.at(-1).slots;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">Scheduling pass latency against queue length (${agents} agents, ${slots} slots, ${samples.length} passes)</text>
${ticks(maxX, 5)
  .map(
    (v) =>
      `<line x1="${x(v)}" y1="${H - B}" x2="${x(v)}" y2="${T}" stroke="#eee"/><text x="${x(v)}" y="${H - B + 16}" text-anchor="middle">${Math.round(v)}</text>`,
  )
  .join('\n')}
${ticks(maxY, 5)
  .map(
    (v) => `<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`,
  )
  .join('\n')}
<text x="${W / 2}" y="${H - 12}" text-anchor="middle">trials waiting (queued or preempted) when the pass ran</text>
<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">pass duration, ms</text>
${samples.map((s) => `<circle cx="${x(s.pending).toFixed(1)}" cy="${y(s.ms).toFixed(1)}" r="1.5" fill="#9ab" fill-opacity="0.5"/>`).join('')}
${line('p50', '#1f6fb2')}
${line('p99', '#d2452c')}
<line x1="${W - 190}" y1="${T + 10}" x2="${W - 170}" y2="${T + 10}" stroke="#1f6fb2" stroke-width="2"/><text x="${W - 164}" y="${T + 14}">p50 per tenth of the range</text>
<line x1="${W - 190}" y1="${T + 28}" x2="${W - 170}" y2="${T + 28}" stroke="#d2452c" stroke-width="2"/><text x="${W - 164}" y="${T + 32}">p99 per tenth of the range</text>
</svg>
`;
writeFileSync(output, svg);
process.stdout.write(
  `${output}: ${samples.length} passes; ${buckets.map((b) => `${Math.round(b.x)}: p50 ${b.p50.toFixed(1)} p99 ${b.p99.toFixed(1)} ms`).join('; ')}\n`,
);
