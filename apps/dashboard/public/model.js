// The model panel of an experiment: type a sentence (a prompt for a language model), get the output
// of its best trial's newest checkpoint (POST /api/experiments/ID/attention, through the coordinator's
// model server), and see the attention that made it: hover an output token to light up the tokens it
// attended to, pick the kind, layer and head, and every head of the kind as small multiples.
const $ = (id) => document.getElementById(id);
const panel = { experiment: null, result: null, hovered: null };

/** White (0) to dark blue (1), as the SVG heatmaps of `orquesta attention`. */
export function weightColor(w) {
  const t = Math.min(1, Math.max(0, w));
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

/** The kinds of attention of a result, with their query and key tokens. */
function views(r) {
  if ('translation' in r)
    return {
      cross: { stack: r.cross, queries: r.target_tokens, keys: r.source_tokens },
      encoder: { stack: r.encoder, queries: r.source_tokens, keys: r.source_tokens },
      decoder: { stack: r.decoder, queries: r.target_tokens, keys: ['<s>', ...r.target_tokens.slice(0, -1)] },
    };
  return { decoder: { stack: r.decoder, queries: r.tokens, keys: r.tokens } };
}

function options(select, values) {
  const keep = select.value;
  select.replaceChildren(...values.map((v) => Object.assign(document.createElement('option'), { value: String(v), textContent: String(v) })));
  if (values.map(String).includes(keep)) select.value = keep;
}

export function showExperiment(id) {
  if (panel.experiment === id) return;
  panel.experiment = id;
  panel.result = null;
  $('attention').hidden = true;
  $('model-output').textContent = '';
  $('model-error').textContent = '';
}

async function run(event) {
  event.preventDefault();
  const token = $('model-token').value.trim() || new URLSearchParams(location.search).get('token') || '';
  if (token) sessionStorage.setItem('orquesta-token', token);
  const mode = $('model-mode').value;
  const body = { text: $('model-text').value, beam: mode === 'beam' ? 4 : 1 };
  if (mode === 'sample') Object.assign(body, { sample: true, temperature: Number($('model-temperature').value), max_tokens: 60 });
  $('model-error').textContent = '';
  $('model-output').textContent = 'working…';
  const response = await fetch(`/api/experiments/${panel.experiment}/attention`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    $('model-output').textContent = '';
    $('model-error').textContent = `${answer.error?.code ?? response.status}: ${answer.error?.message ?? ''}`;
    return;
  }
  panel.result = answer;
  const output = 'translation' in answer ? answer.translation : $('model-text').value + answer.text;
  // A young model may end the sentence at once: say so rather than show nothing.
  $('model-output').textContent = output.trim() === '' ? '(empty: the model ended the sentence at once)' : output;
  $('model-output').classList.toggle('empty', output.trim() === '');
  const kinds = Object.keys(views(answer));
  options($('att-kind'), kinds);
  $('attention').hidden = false;
  draw();
}

function draw() {
  const r = panel.result;
  if (!r) return;
  const view = views(r)[$('att-kind').value] ?? Object.values(views(r))[0];
  options(
    $('att-layer'),
    view.stack.map((_, i) => i),
  );
  options(
    $('att-head'),
    view.stack[0].map((_, i) => i),
  );
  const head = view.stack[Number($('att-layer').value)][Number($('att-head').value)];
  // Tokens: queries (what was produced) to hover, keys lit by the hovered query's weights.
  const tokens = (list, cls) =>
    list.map((t, i) => {
      const span = Object.assign(document.createElement('span'), { className: cls, textContent: t, title: t });
      span.dataset.i = String(i);
      return span;
    });
  const queries = tokens(view.queries, 'token query');
  const keys = tokens(view.keys, 'token key');
  for (const q of queries)
    q.addEventListener('mouseenter', () => {
      const row = head[Number(q.dataset.i)];
      keys.forEach((k, j) => {
        k.style.background = weightColor(row[j] ?? 0);
        k.style.color = (row[j] ?? 0) > 0.5 ? 'white' : '';
      });
      queries.forEach((other) => other.classList.toggle('hovered', other === q));
    });
  $('att-queries').replaceChildren(...queries);
  $('att-keys').replaceChildren(...keys);
  heatmap($('att-heatmap'), head, 24);
  $('att-grid').replaceChildren(
    ...view.stack.map((layer, l) => {
      const row = document.createElement('div');
      row.className = 'grid-row';
      row.append(Object.assign(document.createElement('span'), { textContent: `L${l}` }));
      layer.forEach((h, i) => {
        const canvas = document.createElement('canvas');
        canvas.title = `layer ${l}, head ${i}`;
        canvas.addEventListener('click', () => {
          $('att-layer').value = String(l);
          $('att-head').value = String(i);
          draw();
        });
        heatmap(canvas, h, Math.max(2, Math.floor(72 / Math.max(h.length, h[0].length))));
        row.append(canvas);
      });
      return row;
    }),
  );
}

/** `weights` [query][key] as cells of `cell` px. */
function heatmap(canvas, weights, cell) {
  canvas.width = cell * weights[0].length;
  canvas.height = cell * weights.length;
  const g = canvas.getContext('2d');
  weights.forEach((row, i) =>
    row.forEach((w, j) => {
      g.fillStyle = weightColor(w);
      g.fillRect(j * cell, i * cell, cell, cell);
    }),
  );
}

export function setUpModelPanel() {
  $('model-token').value = sessionStorage.getItem('orquesta-token') ?? '';
  $('model-form').addEventListener('submit', (event) => void run(event).catch((error) => ($('model-error').textContent = String(error))));
  for (const id of ['att-kind', 'att-layer', 'att-head']) $(id).addEventListener('change', draw);
}
