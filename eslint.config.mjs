// Lint: TypeScript rules plus nx module boundaries, which enforce the dependency direction
// protocol, data, kernels -> model, collective -> worker; curve -> collective;
// protocol -> spec; curve -> launch; data, spec, curve, launch -> coordinator -> apps.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Each package exposes one public entry (src/index.ts); reaching into another package's files is an error.
const deepImport = { group: ['@orquesta/*/*'], message: 'Import the package itself: each package exposes one public src/index.ts.' };
const tfjs = { group: ['@tensorflow/*'], message: 'tfjs belongs in packages/model, packages/kernels and the worker only.' };

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'runs/**', 'coverage/**', 'tmp/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            // protocol and data depend on nothing of ours.
            { sourceTag: 'layer:base', onlyDependOnLibsWithTags: ['layer:base'], bannedExternalImports: ['@tensorflow/*', 'zeromq'] },
            // kernels: native overrides for tfjs's wasm backend, on the base layer only.
            { sourceTag: 'layer:native', onlyDependOnLibsWithTags: ['layer:base'], bannedExternalImports: ['zeromq'] },
            // spec: loading and checking experiment specs, on the base layer only (no sockets).
            { sourceTag: 'layer:spec', onlyDependOnLibsWithTags: ['layer:base'], bannedExternalImports: ['@tensorflow/*', 'zeromq'] },
            // curve: ZeroMQ CURVE security (Z85, key files, ZAP), shared by the data and the control plane.
            { sourceTag: 'layer:security', onlyDependOnLibsWithTags: ['layer:base'], bannedExternalImports: ['@tensorflow/*'] },
            // model and collective: compute and communication, built on the base layer (and the kernels, and CURVE).
            { sourceTag: 'layer:compute', onlyDependOnLibsWithTags: ['layer:base', 'layer:native'] },
            { sourceTag: 'layer:comm', onlyDependOnLibsWithTags: ['layer:base', 'layer:security'], bannedExternalImports: ['@tensorflow/*'] },
            // the worker joins them; it never imports the coordinator.
            { sourceTag: 'layer:runtime', onlyDependOnLibsWithTags: ['layer:base', 'layer:native', 'layer:compute', 'layer:comm'] },
            // launch: starting and running workers (node agent, Slurm task); no store, no HTTP server, no coordinator.
            {
              sourceTag: 'layer:launch',
              onlyDependOnLibsWithTags: ['layer:base', 'layer:security'],
              bannedExternalImports: ['@tensorflow/*', 'better-sqlite3', 'fastify'],
            },
            // the coordinator never imports the model, tfjs or the data plane (collective).
            {
              sourceTag: 'layer:control',
              onlyDependOnLibsWithTags: ['layer:base', 'layer:spec', 'layer:security', 'layer:launch'],
              bannedExternalImports: ['@tensorflow/*'],
            },
            // apps wire the packages together; they never touch tfjs themselves (the model does).
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'layer:base',
                'layer:spec',
                'layer:security',
                'layer:launch',
                'layer:control',
                'layer:compute',
                'layer:comm',
                'layer:runtime',
                'type:ui',
              ],
              bannedExternalImports: ['@tensorflow/*'],
            },
            // the dashboard: browser assets the CLI's `serve` mounts; it imports nothing of ours.
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: [], bannedExternalImports: ['@tensorflow/*', 'zeromq'] },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: [
                'layer:base',
                'layer:native',
                'layer:spec',
                'layer:security',
                'layer:compute',
                'layer:comm',
                'layer:runtime',
                'layer:launch',
                'layer:control',
                'type:app',
                'type:ui',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: [deepImport] }],
    },
  },
  {
    // Belt and braces for the rule above: the control plane, its libraries and the apps never load tfjs.
    files: ['packages/protocol/**', 'packages/spec/**', 'packages/curve/**', 'packages/launch/**', 'packages/coordinator/**', 'apps/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepImport, tfjs] }],
    },
  },
  {
    files: ['**/*.test.ts', 'tools/**', '**/bin/**'],
    rules: { 'no-console': 'off' },
  },
];
