// Lint rules that guard behaviour, not formatting (Prettier owns formatting).
// Type-aware: no-floating-promises and switch-exhaustiveness-check need the program.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const domainPurity = {
  patterns: [
    {
      group: [
        '@nestjs/*',
        'typeorm',
        'typeorm/*',
        'pg',
        'ioredis',
        'bybit-api',
        'ws',
        'fastify',
        'opossum',
        'bottleneck',
        'nestjs-*',
        'node:net',
        'node:http',
        'node:https',
        'net',
        'http',
        'https',
        'node:fs',
        'fs',
        'node:worker_threads',
      ],
      message:
        'src/**/domain/** is pure: no Nest, database, network or file-system imports (STYLE §2b). Put I/O in an adapter.',
    },
    {
      group: ['**/*.entity', '**/*.service', '**/*.repository', '**/*.module', '**/*.controller', '**/*.gateway'],
      message: 'src/**/domain/** must not import adapters (entities, services, repositories, modules, controllers).',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-bench/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'ui/dist/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['src/**/domain/**/*.ts'],
    ignores: ['src/**/domain/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', domainPurity],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({
          name,
          message: 'domain code takes no timers: the adapter schedules',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'domain code reads time from a Clock or a parameter' },
        { object: 'process', property: 'env', message: 'configuration comes through the config module' },
        { object: 'performance', property: 'now', message: 'domain code reads time from a Clock or a parameter' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the wall clock: pass time in',
        },
      ],
    },
  },
);
