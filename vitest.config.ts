import { configDefaults, defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));
// Real models and media live beside the checkout; tests never download anything.
const sharedDir = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');

const BROWSER_TESTS = ['dashboard/test/browser*.test.ts', 'dashboard/test/*.browser.test.ts'];

export default defineConfig({
  test: {
    env: {
      AIMA_MODELS_DIR: process.env.AIMA_MODELS_DIR ?? path.join(sharedDir, 'models'),
      AIMA_MEDIA_DIR: process.env.AIMA_MEDIA_DIR ?? path.join(sharedDir, 'media'),
      // mediasoup's worker cannot be downloaded here: the one built for this machine (issue 12).
      MEDIASOUP_WORKER_BIN:
        process.env.MEDIASOUP_WORKER_BIN ?? path.join(sharedDir, 'tools/mediasoup/mediasoup-worker-3.32.2'),
    },
    // No socket or name lookup may leave 127.0.0.0/8 in any test process (test-support/network-guard.ts).
    setupFiles: [path.join(root, 'test-support/network-guard.ts')],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // chDB allows one data directory per process, and this machine has 2 cores:
    // each test file gets its own process, a few at a time.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'ingest', include: ['ingest/**/*.test.ts'] } },
      { extends: true, test: { name: 'inference', include: ['inference/**/*.test.ts'] } },
      { extends: true, test: { name: 'storage', include: ['storage/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'dashboard',
          include: ['dashboard/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...BROWSER_TESTS],
        },
      },
      // Real Chromium playing live video is timing-sensitive: these run last, as a group of their
      // own, not beside the tests that start worker processes with detectors of their own.
      {
        extends: true,
        test: { name: 'browser', include: BROWSER_TESTS, sequence: { groupOrder: 1 } },
      },
      { extends: true, test: { name: 'cli', include: ['bin/**/*.test.ts'] } },
    ],
  },
});
