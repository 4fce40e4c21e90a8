import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Worker tests run inside workerd (the real Workers runtime) with the bindings of wrangler.toml and
// SQLite-backed Durable Objects; ADMIN_TOKEN and AMOCRM_TOKEN_KEY are test-only values.
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './worker/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: { bindings: { ADMIN_TOKEN: 'test-admin-token-0123456789', AMOCRM_TOKEN_KEY: 'cGVyZXp2b24tdGVzdHMtYW1vY3JtLWtleS0zMmJ5dGU=' } },
    }),
  ],
  test: {
    name: 'worker',
    include: ['test/worker/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
