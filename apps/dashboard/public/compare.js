// The comparison view (/?compare=ID,ID...): the trials of some experiments side by side, from
// GET /api/compare: validation loss curves overlaid (one line per trial), a parallel-coordinates chart
// of each trial's hyperparameters against its best validation loss, and a table, best first.
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
let curves = null;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** Good (blue) to bad (red) by rank among the trials with a loss; grey without one. */
function colour(rank, count) {
  if (rank < 0) return '#9aa5b8';
  const t = count <= 1 ? 0 : rank / (count - 1);
  return `hsl(${Math.round(220 - 220 * t)}, 70%, 45%)`;
}

const label = (t, many) => `${many ? `exp ${t.experimentId} ` : ''}trial ${t.idx}`;

/** Shows the comparison of `ids`, reading with the page's ?token= when reads need it. */
export async function showComparison(ids) {
  $('placeholder').hidden = true;
  $('experiment').hidden = true;
  $('compare').hidden = false;
  $('compare-title').textContent = `Comparing experiment${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;
  const query = new URLSearchParams({ ids: ids.join(',') });
  const token = new URLSearchParams(location.search).get('token');
  if (token) query.set('token', token);
  const response = await fetch(`/api/compare?${query}`);
  const body = await response.json();
  if (!response.ok) {
    $('compare-error').textContent = body.error?.message ?? `HTTP ${response.status}`;
    return;
  }
  $('compare-error').textContent = '';
  render(body);
}

function render(c) {
  const many = c.experiments.length > 1;
  const ranked = c.trials.filter((t) => t.bestLoss !== null).sort((a, b) => a.bestLoss - b.bestLoss);
  const colours = new Map(c.trials.map((t) => [t, colour(ranked.indexOf(t), ranked.length)]));
  $('compare-summary').textContent = c.experiments
    .map((e) => `${e.id} ${e.name}${e.search ? ` (${e.search} search)` : ''}: ${e.state}, ${c.trials.filter((t) => t.experimentId === e.id).length} trial(s)`)
    .join('; ');
  renderCurves(c, colours, many);
  renderParallel(c, colours, many);
  const rows = [...ranked, ...c.trials.filter((t) => t.bestLoss === null)];
  $('compare-head').replaceChildren(
    ...[...(many ? ['exp'] : []), 'trial', 'state', ...c.parameters, 'steps', 'best valid loss', 'best BLEU', 'wall', 'worker-s'].map((h) => {
      const th = document.createElement('th');
      th.textContent = h;
      return th;
    }),
  );
  $('compare-rows').replaceChildren(
    ...rows.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.trial = label(t, true);
      tr.append(
        ...(many ? [cell(String(t.experimentId))] : []),
        cell(String(t.idx)),
        cell(t.state),
        ...c.parameters.map((p) => cell(String(t.hyperparameters[p] ?? '-'))),
        cell(String(t.steps)),
        cell(t.bestLoss === null ? '-' : `${t.bestLoss.toFixed(4)} @${t.bestLossStep}`),
        cell(t.bestBleu === null ? '-' : `${t.bestBleu.toFixed(2)} @${t.bestBleuStep}`),
        cell(t.wallSeconds === null ? '-' : `${t.wallSeconds.toFixed(0)} s`),
        cell(t.workerSeconds === null ? '-' : t.workerSeconds.toFixed(0)),
      );
      return tr;
    }),
  );
}

/** Every trial's validation loss by step, overlaid (uPlot; steps are the union of all trials'). */
function renderCurves(c, colours, many) {
  const steps = [...new Set(c.trials.flatMap((t) => t.curve.map((p) => p.step)))].sort((a, b) => a - b);
  const data = [steps, ...c.trials.map((t) => steps.map((s) => t.curve.find((p) => p.step === s)?.loss ?? null))];
  const box = $('compare-curves');
  box.dataset.series = String(c.trials.length);
  box.dataset.points = String(c.trials.reduce((n, t) => n + t.curve.length, 0));
  curves?.destroy();
  curves = new window.uPlot(
    {
      width: Math.max(320, box.clientWidth || 640),
      height: 280,
      scales: { x: { time: false } },
      axes: [{}, { size: 60 }],
      legend: { show: c.trials.length <= 20 },
      series: [
        { label: 'step' },
        ...c.trials.map((t) => ({ label: label(t, many), stroke: colours.get(t), width: 1.5, spanGaps: true, points: { show: steps.length < 40 } })),
      ],
    },
    data,
    box,
  );
}

/** One axis per hyperparameter and a last one for the best validation loss; one polyline per trial. */
function renderParallel(c, colours, many) {
  const width = Math.max(480, $('compare-parallel').clientWidth || 760);
  const [height, top, bottom, side] = [300, 24, 40, 60];
  const axes = [...c.parameters.map((p) => ({ name: p, value: (t) => t.hyperparameters[p] })), { name: 'best valid loss', value: (t) => t.bestLoss }];
  const x = (i) => side + (axes.length === 1 ? 0 : (i * (width - 2 * side)) / (axes.length - 1));
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'hyperparameters against the best validation loss' });
  const scales = axes.map((axis) => scaleFor(c.trials.map(axis.value), top, height - bottom));
  axes.forEach((axis, i) => {
    root.append(svg('line', { x1: x(i), x2: x(i), y1: top, y2: height - bottom, stroke: '#6b7385' }));
    root.append(svg('text', { x: x(i), y: height - 12, 'text-anchor': 'middle', 'font-size': 11 }, axis.name));
    for (const tick of scales[i].ticks) root.append(svg('text', { x: x(i) + 4, y: scales[i].y(tick) + 4, 'font-size': 10, fill: '#6b7385' }, String(tick)));
  });
  for (const t of c.trials) {
    const points = axes.map((axis, i) => {
      const v = axis.value(t);
      return v === null || v === undefined ? null : `${x(i)},${scales[i].y(v)}`;
    });
    const line = svg('polyline', {
      points: points.filter((p) => p !== null).join(' '),
      fill: 'none',
      stroke: colours.get(t),
      'stroke-width': 2,
      'stroke-dasharray': t.bestLoss === null ? '4 3' : 'none',
      'data-trial': label(t, true),
    });
    line.append(
      svg(
        'title',
        {},
        `${label(t, many)} ${JSON.stringify(t.hyperparameters)}: ${t.bestLoss === null ? 'no validation yet' : `best validation loss ${t.bestLoss.toFixed(4)}`} (${t.state})`,
      ),
    );
    root.append(line);
  }
  $('compare-parallel').replaceChildren(root);
}

/** A vertical scale for an axis's values: log when they are positive and span 10x or more, categories for non-numbers. */
function scaleFor(values, top, bottom) {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.some((v) => typeof v !== 'number')) {
    const cats = [...new Set(present.map(String))].sort();
    const step = (bottom - top) / Math.max(1, cats.length - 1);
    return { y: (v) => (cats.length === 1 ? (top + bottom) / 2 : top + cats.indexOf(String(v)) * step), ticks: cats };
  }
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  const log = lo > 0 && hi / lo >= 10;
  const f = log ? Math.log : (v) => v;
  const span = f(hi) - f(lo) || 1;
  // Larger values at the top.
  const y = (v) => (hi === lo ? (top + bottom) / 2 : bottom - ((f(v) - f(lo)) / span) * (bottom - top));
  const ticks = [...new Set(present)].length <= 6 ? [...new Set(present)].sort((a, b) => a - b) : [lo, hi];
  return { y, ticks: ticks.map((v) => Number(v.toPrecision(4))) };
}
