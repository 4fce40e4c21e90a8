import { defineConfig } from 'vitest/config';

// Node-side tests: the relay, the AMI simulator and whole-system tests over real sockets.
// Worker tests run inside workerd through their own config (vitest.worker.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/worker/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
