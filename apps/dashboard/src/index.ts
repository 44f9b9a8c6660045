/**
 * The dashboard's files, by the URL path `orquesta serve` answers them at. A plain page and one ES
 * module, no build step; charts by uPlot (MIT).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  /** File on disk. */
  readonly file: string;
  readonly contentType: string;
}

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const UPLOT = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

export function dashboardAssets(): Readonly<Record<string, Asset>> {
  return {
    '/': { file: join(PUBLIC, 'index.html'), contentType: 'text/html; charset=utf-8' },
    '/dashboard/app.js': { file: join(PUBLIC, 'app.js'), contentType: 'text/javascript; charset=utf-8' },
    '/dashboard/model.js': { file: join(PUBLIC, 'model.js'), contentType: 'text/javascript; charset=utf-8' },
    '/dashboard/compare.js': { file: join(PUBLIC, 'compare.js'), contentType: 'text/javascript; charset=utf-8' },
    '/dashboard/style.css': { file: join(PUBLIC, 'style.css'), contentType: 'text/css; charset=utf-8' },
    '/dashboard/uPlot.iife.min.js': { file: join(UPLOT, 'uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' },
    '/dashboard/uPlot.min.css': { file: join(UPLOT, 'uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
  };
}
