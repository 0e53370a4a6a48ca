import { defineConfig } from 'vitest/config';

// Unit tests (pure modules, literal values) run in parallel; integration tests start real
// processes on 127.0.0.1 and run one file at a time so they do not compete for the 2 cores.
export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
