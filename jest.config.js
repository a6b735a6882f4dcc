/** One run for unit (src/**), integration and e2e (test/**) specs; PostgreSQL from DATABASE_URL or embedded. */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // ESM-only dependencies (Node 20 can require() them, jest's module system cannot): compile to CommonJS.
    // ccxt's CommonJS build requires @noble/* and @scure/*, which are ESM-only.
    '^.+/node_modules/(content-disposition|@noble|@scure)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|@noble|@scure)/)'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
