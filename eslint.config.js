// Keeps the layers apart (DESIGN.md, "Rules of the house"): the renderer may import shared/ and itself only;
// only main/desktop and main/app/electron.ts import electron at run time; calls/ knows ports, not libraries.
import tseslint from 'typescript-eslint';

const electronRuntime = {
  paths: [{ name: 'electron', allowTypeImports: true, message: 'Only main/desktop and main/app/electron.ts may import electron at run time.' }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/out/**', 'test-results/**', 'playwright-report/**', '.lab/**', 'release/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      'no-restricted-imports': ['error', electronRuntime],
    },
  },
  {
    files: ['main/desktop/**', 'main/app/electron.ts', 'preload/**'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: electronRuntime.paths,
        patterns: [{ group: ['**/main/**', '**/preload/**', 'sip.js', 'better-sqlite3', 'naudiodon', 'ws', 'node:*'], message: 'The renderer imports shared/ and its own files only.' }],
      }],
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: electronRuntime.paths, patterns: [{ regex: '^(?!\\./)', message: 'shared/ imports nothing but itself.' }] }],
    },
  },
  {
    files: ['main/calls/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: electronRuntime.paths,
        patterns: [{ group: ['sip.js', 'sip.js/*', 'better-sqlite3', 'naudiodon', 'ws', '**/sip/**', '**/media/**', '**/store/**', '**/desktop/**'], message: 'calls/ works through its ports only.' }],
      }],
    },
  },
);
