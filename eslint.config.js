import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.build/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['bench/**', 'scripts/**', 'bin/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // One typed layer over the Lua scripts: only the typed script modules (one method per script,
    // src/store/*-scripts.ts) run a script; everything else calls their typed methods.
    files: ['**/*.ts'],
    ignores: ['src/store/*-scripts.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)store/scripts\\.js$|^\\./scripts\\.js$', importNames: ['runScript'], message: 'run a script through its typed method (src/store/*-scripts.ts)' }],
      }],
    },
  },
);
