import { defineConfig } from 'vitest/config';

// The real-PBX lane (`npm run test:pbx`): whole-system tests against Asterisk 22 built from the kit
// (../shared/pbx or $PEREZVON_PBX_KIT), or a staging PBX ($PEREZVON_PBX_AMI). Each test file starts its
// own PBX instance; files run side by side, independent scenarios inside a file concurrently.
export default defineConfig({
  test: {
    name: 'pbx',
    include: ['test/pbx/**/*.test.ts'],
    globalSetup: ['test/pbx/global-setup.ts'],
    setupFiles: ['test/pbx/worker-setup.ts'],
    pool: 'forks',
    maxWorkers: 3,
    fileParallelism: true,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/pbx/summary-reporter.ts'],
  },
});
