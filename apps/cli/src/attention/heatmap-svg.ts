/**
 * Attention weights as SVG heatmaps: one head large with its tokens on the axes (keys across the
 * top, queries down the side), and a grid of every layer (rows) and head (columns). Weight 0 is
 * white, 1 dark blue; a cell's tooltip gives its weight and tokens.
 */

/** [query][key] probabilities. */
export type HeadWeights = readonly (readonly number[])[];

const FONT = 'font-family="sans-serif" font-size="11"';

/** White (0) to dark blue (1). */
export function weightColor(w: number): string {
  const t = Math.min(1, Math.max(0, w));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One head, `cell` px per weight, with the tokens on the axes. */
export function headSvg(weights: HeadWeights, queries: readonly string[], keys: readonly string[], title: string, cell = 28): string {
  const label = (t: string) => escapeXml(t.length > 14 ? `${t.slice(0, 13)}…` : t);
  const left = 12 + 7 * Math.min(14, Math.max(1, ...queries.map((q) => q.length)));
  const top = 30 + 7 * Math.min(14, Math.max(1, ...keys.map((k) => k.length)));
  const width = left + cell * keys.length + 10;
  const height = top + cell * queries.length + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="4" y="14" ${FONT} font-weight="bold">${escapeXml(title)}</text>`,
  ];
  keys.forEach((k, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(`<text x="${x}" y="${top - 6}" ${FONT} transform="rotate(-60 ${x} ${top - 6})">${label(k)}</text>`);
  });
  queries.forEach((q, i) => {
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" ${FONT} text-anchor="end">${label(q)}</text>`);
    (weights[i] ?? []).forEach((w, j) => {
      parts.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${weightColor(w)}"><title>${escapeXml(`${q} -> ${keys[j] ?? ''}: ${w.toFixed(3)}`)}</title></rect>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Every layer (rows) and head (columns) of one kind of attention, small multiples without token labels. */
export function gridSvg(stack: readonly (readonly HeadWeights[])[], title: string, panel = 120): string {
  const layers = stack.length;
  const heads = stack[0]?.length ?? 0;
  const gap = 18;
  const width = 40 + heads * (panel + gap);
  const height = 40 + layers * (panel + gap);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="4" y="14" ${FONT} font-weight="bold">${escapeXml(title)}</text>`,
  ];
  stack.forEach((layer, l) => {
    const y0 = 36 + l * (panel + gap);
    parts.push(`<text x="4" y="${y0 + panel / 2}" ${FONT}>L${l}</text>`);
    layer.forEach((head, h) => {
      const x0 = 36 + h * (panel + gap);
      if (l === 0) parts.push(`<text x="${x0 + panel / 2}" y="30" ${FONT} text-anchor="middle">head ${h}</text>`);
      const rows = head.length;
      const cols = head[0]?.length ?? 0;
      const [ch, cw] = [panel / Math.max(1, rows), panel / Math.max(1, cols)];
      head.forEach((row, i) =>
        row.forEach((w, j) =>
          parts.push(
            `<rect x="${(x0 + j * cw).toFixed(2)}" y="${(y0 + i * ch).toFixed(2)}" width="${cw.toFixed(2)}" height="${ch.toFixed(2)}" fill="${weightColor(w)}"/>`,
          ),
        ),
      );
      parts.push(`<rect x="${x0}" y="${y0}" width="${panel}" height="${panel}" fill="none" stroke="#999"/>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
