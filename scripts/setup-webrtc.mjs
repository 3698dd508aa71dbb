#!/usr/bin/env node
// `npm run setup:webrtc`: gets the mediasoup worker the WebRTC live view and WHIP need, and checks
// that it runs. `npm install` never does this (package.json `allowScripts` denies mediasoup's
// postinstall), so an install without internet cannot fail on it; without a worker the live view
// falls back to MSE and says why.
//
// Order: MEDIASOUP_WORKER_BIN (or AIMA_MEDIASOUP_WORKER_BIN) when set; else mediasoup's own
// install step (its prebuilt worker from GitHub releases, or a local build with meson, python3,
// make and a C++ compiler). Exit 0 when a worker runs, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../dashboard/package.json', import.meta.url));
// mediasoup's `exports` hide package.json: walk up from its entry point.
const entry = require.resolve('mediasoup');
const pkgDir = entry.slice(0, entry.lastIndexOf(`${path.sep}node${path.sep}lib${path.sep}`));
const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const defaultBin = path.join(pkgDir, 'worker', 'out', 'Release', 'mediasoup-worker');
const given = process.env.AIMA_MEDIASOUP_WORKER_BIN || process.env.MEDIASOUP_WORKER_BIN || '';

function fail(message) {
  console.error(`setup:webrtc: ${message}`);
  console.error(
    'The live view will use MSE (fMP4 over WebSocket) and WHIP publishing is off until a worker runs.',
  );
  process.exit(1);
}

let bin = given;
if (bin) {
  if (!existsSync(bin)) fail(`MEDIASOUP_WORKER_BIN names a file that does not exist: ${bin}`);
} else if (existsSync(defaultBin)) {
  bin = defaultBin;
} else {
  console.log(`setup:webrtc: fetching the mediasoup ${version} worker (mediasoup's own install step)...`);
  const r = spawnSync(process.execPath, ['npm-scripts.mjs', 'postinstall'], {
    cwd: pkgDir,
    stdio: 'inherit',
    timeout: 30 * 60_000,
  });
  if (r.status !== 0 || !existsSync(defaultBin)) {
    fail(`mediasoup could not download or build its worker (exit ${r.status ?? r.signal}).`);
  }
  bin = defaultBin;
}

// The worker and the library speak a versioned protocol: start one and close it.
const mediasoup = await import(entry);
try {
  const worker = await mediasoup.createWorker({ workerBin: bin, logLevel: 'error' });
  worker.close();
} catch (err) {
  fail(`the worker at ${bin} does not run with mediasoup ${version}: ${err.message}`);
}
console.log(`setup:webrtc: mediasoup ${version} worker OK: ${bin}`);
if (bin !== defaultBin) console.log('Keep MEDIASOUP_WORKER_BIN set for `aima serve`.');
