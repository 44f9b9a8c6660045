// Lint: TypeScript rules plus nx module boundaries, which enforce the dependency direction
// protocol, data, kernels -> model, collective -> worker; protocol -> coordinator -> apps.
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
            // model and collective: compute and communication, built on the base layer (and the kernels).
            { sourceTag: 'layer:compute', onlyDependOnLibsWithTags: ['layer:base', 'layer:native'] },
            { sourceTag: 'layer:comm', onlyDependOnLibsWithTags: ['layer:base'], bannedExternalImports: ['@tensorflow/*'] },
            // the worker joins them; it never imports the coordinator.
            { sourceTag: 'layer:runtime', onlyDependOnLibsWithTags: ['layer:base', 'layer:native', 'layer:compute', 'layer:comm'] },
            // the coordinator never imports the model or tfjs; it uses the comm layer's ZeroMQ security (ZAP).
            { sourceTag: 'layer:control', onlyDependOnLibsWithTags: ['layer:base', 'layer:comm'], bannedExternalImports: ['@tensorflow/*'] },
            // apps are thin: they wire the control plane; training runs in worker processes.
            // apps wire the packages together; they never touch tfjs themselves (the model does).
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['layer:base', 'layer:control', 'layer:compute', 'layer:comm', 'layer:runtime', 'type:ui'], bannedExternalImports: ['@tensorflow/*'] },
            // the dashboard: browser assets the CLI's `serve` mounts; it imports nothing of ours.
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: [], bannedExternalImports: ['@tensorflow/*', 'zeromq'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['layer:base', 'layer:native', 'layer:compute', 'layer:comm', 'layer:runtime', 'layer:control', 'type:app', 'type:ui'] },
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
    // Belt and braces for the rule above: the control plane and the apps never load tfjs.
    files: ['packages/protocol/**', 'packages/coordinator/**', 'apps/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepImport, tfjs] }],
    },
  },
  {
    files: ['**/*.test.ts', 'tools/**', '**/bin/**'],
    rules: { 'no-console': 'off' },
  },
];
