import { defineConfig } from 'vitest/config';

// Unit tests (pure modules, literal values, seeded simulations) run in parallel, first; the
// integration tests start real processes on 127.0.0.1 and measure them, so they run afterwards
// (groupOrder: without it vitest runs both projects at once, and the simulations' CPU would make
// the first measurements "busy"), one file at a time so they do not compete for the 2 cores.
export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
