import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboardAssets } from './index.js';

describe('dashboard assets', () => {
  it('names files that exist, and the page loads every script and style it lists, the model panel module too', () => {
    const assets = dashboardAssets();
    for (const asset of Object.values(assets)) expect(existsSync(asset.file), asset.file).toBe(true);
    const html = readFileSync(assets['/']!.file, 'utf8');
    const app = readFileSync(assets['/dashboard/app.js']!.file, 'utf8');
    for (const ref of app.matchAll(/from '\.\/([^']+)'/g)) expect(Object.keys(assets)).toContain(`/dashboard/${ref[1]}`);
    // (An inline data: URL, the empty icon, needs no file.)
    for (const ref of html.matchAll(/(?:src|href)="([^"]+)"/g)) if (!ref[1]!.startsWith('data:')) expect(Object.keys(assets)).toContain(ref[1]);
  });
});
