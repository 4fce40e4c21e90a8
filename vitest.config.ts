import { defineConfig } from 'vitest/config';

// Two projects: `node` (the relay, the AMI simulator in sim/ and whole-system tests over real sockets) and
// `worker`; the real-PBX lane (test/pbx) has its own config, vitest.pbx.config.ts (`npm run test:pbx`). Here:
// `worker` (the Worker and its Durable Object inside workerd, see vitest.worker.config.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts', 'sim/**/*.test.ts'],
          exclude: ['test/worker/**', 'test/pbx/**', 'node_modules/**'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      './vitest.worker.config.ts',
    ],
  },
});
