// Orquesta dashboard: one server-sent-event stream (/api/live) brings the experiment list and, for the
// selected experiment, its status and the metric, event and log rows added since the last message.
import { setUpModelPanel, showExperiment } from './model.js';
import { showComparison } from './compare.js';

const $ = (id) => document.getElementById(id);
const state = { selected: null, source: null, metrics: [], events: [], logs: [], charts: {}, checked: new Set() };

function fmt(v, digits = 3) {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return String(v);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function connect() {
  state.source?.close();
  state.metrics = [];
  state.events = [];
  state.logs = [];
  const query = new URLSearchParams();
  if (state.selected !== null) query.set('experiment', String(state.selected));
  const token = new URLSearchParams(location.search).get('token');
  if (token) query.set('token', token);
  const url = `/api/live${query.size > 0 ? `?${query}` : ''}`;
  const source = new EventSource(url);
  state.source = source;
  source.addEventListener('open', () => {
    $('connection').textContent = 'live';
    $('connection').className = 'badge state-succeeded';
  });
  source.addEventListener('error', () => {
    $('connection').textContent = 'reconnecting…';
    $('connection').className = 'badge state-restarting';
  });
  source.addEventListener('snapshot', (event) => render(JSON.parse(event.data)));
}

function render(snapshot) {
  renderList(snapshot.experiments, snapshot.agents, snapshot.experimentCounts);
  if (!snapshot.status) return;
  state.metrics.push(...snapshot.metrics);
  state.events.push(...snapshot.events);
  state.logs.push(...snapshot.logs);
  if (state.logs.length > 500) state.logs.splice(0, state.logs.length - 500);
  renderExperiment(snapshot.status);
}

function renderList(experiments, agents, counts) {
  const alive = agents.filter((a) => a.state === 'alive');
  const total = counts?.total ?? experiments.length;
  const byState = Object.entries(counts?.byState ?? {})
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  $('cluster').textContent =
    `${alive.length} agent(s), ${alive.reduce((n, a) => n + a.slots, 0)} slot(s); ${total} experiment(s)${byState ? ` (${byState})` : ''}` +
    (total > experiments.length ? `; the newest ${experiments.length} listed` : '');
  const list = $('experiments');
  list.replaceChildren();
  if (experiments.length === 0) list.append(el('li', { class: 'empty' }, 'No experiments yet. Submit one with ', el('code', {}, 'orquesta submit SPEC'), '.'));
  for (const e of [...experiments].reverse()) {
    const check = el('input', { type: 'checkbox', title: 'compare', 'data-compare': String(e.id) });
    check.checked = state.checked.has(e.id);
    check.addEventListener('click', (event) => {
      event.stopPropagation();
      if (check.checked) state.checked.add(e.id);
      else state.checked.delete(e.id);
      $('compare-checked').disabled = state.checked.size === 0;
    });
    const item = el(
      'li',
      { 'data-id': String(e.id), class: e.id === state.selected ? 'selected' : '' },
      el('span', {}, check, ` ${e.id} ${e.name}`, e.submitter ? el('small', { class: 'submitter' }, ` ${e.submitter}`) : ''),
      el('span', { class: `badge state-${e.state}` }, e.state),
    );
    item.addEventListener('click', () => {
      state.selected = e.id;
      $('placeholder').hidden = true;
      $('compare').hidden = true;
      $('experiment').hidden = false;
      connect();
    });
    list.append(item);
  }
}

/** Opens the comparison of `ids` (and keeps it in the address, so it can be shared). */
function compare(ids) {
  const params = new URLSearchParams(location.search);
  params.set('compare', ids.join(','));
  params.delete('experiment');
  history.replaceState(null, '', `?${params}`);
  state.selected = null;
  connect();
  void showComparison(ids);
}

/** The trial the charts follow: the first active one, else the best, else trial 0. */
function focusTrial(status) {
  const active = status.trials.find((t) => ['scheduled', 'running', 'checkpointing', 'restarting'].includes(t.state));
  if (active) return active;
  const best = status.bestTrial && status.trials.find((t) => t.idx === status.bestTrial.idx);
  return best ?? status.trials[0];
}

function renderExperiment(status) {
  showExperiment(status.id);
  $('title').textContent = `${status.id} ${status.name}`;
  $('compare-link').hidden = status.trials.length < 2;
  $('compare-link').onclick = (event) => {
    event.preventDefault();
    compare([status.id]);
  };
  $('summary').replaceChildren(
    el('span', { class: `badge state-${status.state}` }, status.state),
    ` priority ${status.priority}, ${status.trials.length} trial(s), step ${status.step}`,
    status.submitter ? `, submitted by ${status.submitter}` : '',
    status.bestTrial ? `, best validation loss ${fmt(status.bestTrial.validLoss, 4)} (trial ${status.bestTrial.idx})` : '',
  );
  const trial = focusTrial(status);
  $('goodput').textContent = trial.goodput ? `trial ${trial.idx} goodput ${(trial.goodput.goodput * 100).toFixed(1)} %: ${goodputTitle(trial.goodput)}` : '';
  const rows = state.metrics.filter((m) => m.trialId === trial.id);
  const progress = rows.filter((m) => m.kind === 'progress');
  const evals = rows.filter((m) => m.kind === 'evaluation');
  const steps = [...new Set([...progress, ...evals].map((m) => m.step))].sort((a, b) => a - b);
  const at = (list, step, key) => list.find((m) => m.step === step)?.values[key] ?? null;
  chart(
    'loss-chart',
    'loss',
    [steps, steps.map((s) => at(progress, s, 'loss')), steps.map((s) => at(evals, s, 'loss'))],
    ['train', 'validation'],
    ['#3d6fd8', '#d8893d'],
  );
  const tput = progress.map((m) => m.step);
  chart('throughput-chart', 'throughput', [tput, progress.map((m) => m.values.tokensPerSecond)], ['tokens/s'], ['#1f8a4c']);
  const bleu = evals.filter((m) => typeof m.values.bleu === 'number');
  $('bleu-figure').hidden = bleu.length === 0;
  if (bleu.length > 0) chart('bleu-chart', 'bleu', [bleu.map((m) => m.step), bleu.map((m) => m.values.bleu)], ['BLEU'], ['#8a1f6b']);
  renderBars(rows);
  $('trials').tBodies[0].replaceChildren(
    ...status.trials.map((t) =>
      el(
        'tr',
        {},
        el('td', {}, String(t.idx)),
        el('td', {}, el('span', { class: `badge state-${t.state}` }, t.state)),
        el('td', {}, String(t.step)),
        el('td', {}, fmt(t.trainLoss)),
        el('td', {}, fmt(t.validLoss)),
        el('td', {}, fmt(t.tokensPerSecond, 0)),
        el('td', { class: 'goodput', title: goodputTitle(t.goodput) }, t.goodput ? `${(t.goodput.goodput * 100).toFixed(1)} %` : '-'),
        el('td', {}, `${t.restarts}/${t.maxRestarts}`),
        el('td', {}, Object.keys(t.overrides).length ? JSON.stringify(t.overrides) : '-'),
      ),
    ),
  );
  $('workers').tBodies[0].replaceChildren(
    ...status.trials.flatMap((t) =>
      t.workers.map((w) =>
        el(
          'tr',
          {},
          el('td', {}, String(t.idx)),
          el('td', {}, String(w.rank)),
          el('td', {}, w.agent),
          el('td', {}, `${w.host}:${w.port}`),
          el('td', {}, w.slots.join(',') || '-'),
          el('td', {}, fmt(w.pid)),
          el('td', { class: 'speed', 'data-rank': String(w.rank) }, speedOf(t, w.rank)),
          el('td', {}, w.state),
        ),
      ),
    ),
  );
  $('events').replaceChildren(...state.events.slice(-200).map((e) => el('li', {}, `${new Date(e.ts).toLocaleTimeString()} ${e.message}`)));
  $('logs').textContent = state.logs.map((l) => `[rank ${l.rank}] ${l.line}`).join('\n');
}

/** Where a trial's wall time went, seconds by use, as a tooltip. */
function goodputTitle(g) {
  if (!g) return 'not placed yet';
  return (
    `${fmt(g.wallSeconds, 1)} s of wall time: ` +
    Object.entries(g.seconds)
      .map(([use, s]) => `${use} ${fmt(s, 1)} s`)
      .join(', ')
  );
}

/** A rank's compute speed relative to the fastest rank of its trial (1 = as fast, 0.5 = twice as slow). */
function speedOf(t, rank) {
  const speed = t.rankSpeeds?.[String(rank)];
  return speed === undefined ? '-' : speed.toFixed(2);
}

function renderBars(rows) {
  const latest = new Map();
  for (const m of rows) {
    if (m.kind === 'progress') latest.set(0, m.values.seconds);
    if (m.kind === 'timing') latest.set(m.values.rank, m.values.seconds);
  }
  const total = (s) => s.data + s.compute + s.allReduce + s.optimizer;
  const max = Math.max(1e-9, ...[...latest.values()].map(total));
  $('rank-bars').replaceChildren(
    ...[...latest.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([rank, s]) =>
        el(
          'div',
          { class: 'bar-row', 'data-rank': String(rank) },
          el('span', {}, `rank ${rank}`),
          el(
            'div',
            { class: 'bar' },
            ...['data', 'compute', 'allReduce', 'optimizer'].map((p) =>
              el('span', { class: `phase-${p}`, title: `${p} ${fmt(s[p])} s`, style: `width:${(100 * s[p]) / max}%` }),
            ),
          ),
          el('span', {}, `${fmt(total(s))} s`),
        ),
      ),
  );
}

function chart(id, key, data, labels, colors) {
  const box = $(id);
  const width = Math.max(300, box.clientWidth || 500);
  const existing = state.charts[key];
  box.dataset.points = String(data[0].length);
  if (existing && existing.series.length === labels.length + 1) {
    existing.setData(data);
    return;
  }
  existing?.destroy();
  state.charts[key] = new window.uPlot(
    {
      width,
      height: 220,
      scales: { x: { time: false } },
      axes: [{}, { size: 70 }],
      series: [{ label: 'step' }, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, spanGaps: true, points: { show: data[0].length < 60 } }))],
    },
    data,
    box,
  );
}

const initial = new URLSearchParams(location.search).get('experiment');
if (initial) {
  state.selected = Number(initial);
  $('placeholder').hidden = true;
  $('experiment').hidden = false;
}
$('compare-checked').addEventListener('click', () => compare([...state.checked].sort((a, b) => a - b)));
setUpModelPanel();
connect();
const comparing = new URLSearchParams(location.search).get('compare');
if (comparing)
  void showComparison(
    comparing
      .split(',')
      .map(Number)
      .filter((id) => id > 0),
  );
