import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Worker tests run inside workerd (the real Workers runtime) with the bindings of wrangler.toml and
// SQLite-backed Durable Objects; ADMIN_TOKEN is a test-only value.
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './worker/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: { bindings: { ADMIN_TOKEN: 'test-admin-token-0123456789' } },
    }),
  ],
  test: {
    name: 'worker',
    include: ['test/worker/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
