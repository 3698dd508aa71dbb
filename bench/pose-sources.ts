// Issue 13 probe, pose across sources: N sources' pose analyzers (the registered definition, fed
// as the job host feeds it) share one MoveNet session, as every source of a runtime does. MoveNet
// Lightning is a batch-1 export, so crops cannot share a model call; what is measured is whether
// the shared session is kept busy: crops/s and the session's busy share (time inside run() over
// wall time) for 1, 2 and 4 concurrent sources, against bare back-to-back runs of the same crops.
// People come from the real YOLOX-Nano + ByteTrack on vtest.mp4. Run: `npx tsx bench/pose-sources.ts`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOVENET_SIZE } from '@aima/inference';
import { ANALYZERS } from '@aima/dashboard';
import { benchContext, median, timeDetectEvents } from './safety-media.ts';
import { MAX_PERSONS, poseSetup } from './safety-pose.ts';

const CLIP = 'video/vtest.mp4';
const SECONDS = Number(process.env.AIMA_BENCH_POSE_SECONDS ?? 8);
const ROUNDS = 3;
const SOURCES = [1, 2, 4];

export async function benchPoseSources(): Promise<Record<string, unknown>> {
  const {
    frames,
    events,
    crops,
    tensors: perFrame,
    movenet,
    session: shared,
    inputName,
  } = await poseSetup(SECONDS);
  await using session = shared;
  const tensors = perFrame.flat();

  const bare = async (): Promise<{ wallMs: number; runMs: number }> => {
    const t0 = performance.now();
    const rs = await Promise.all(
      tensors.map((d) =>
        session.run({
          [inputName]: { type: 'uint8', data: d.slice(), dims: [1, MOVENET_SIZE, MOVENET_SIZE, 3] },
        }),
      ),
    );
    return { wallMs: performance.now() - t0, runMs: rs.reduce((s, r) => s + r.runMs, 0) };
  };

  const def = ANALYZERS.get('pose')!;
  const sources = async (n: number): Promise<{ wallMs: number; runMs: number }> => {
    const insts = await Promise.all(
      Array.from({ length: n }, () =>
        def.create(
          benchContext({
            running: ['detect', 'pose'],
            models: new Map([['movenet-lightning', movenet]]),
            session: () => Promise.resolve(session),
          }),
          def.config.parse({ maxPersons: MAX_PERSONS }),
        ),
      ),
    );
    let runMs = 0;
    const t0 = performance.now();
    await Promise.all(
      insts.map(async (inst) => {
        const s0 = inst.summary?.() ?? {};
        await timeDetectEvents(inst, events, (seq) => frames[seq]!);
        runMs += Number((inst.summary?.() ?? s0)['modelMs'] ?? 0);
      }),
    );
    return { wallMs: performance.now() - t0, runMs };
  };

  await bare();
  await sources(1);
  const out: Record<string, unknown> = { clip: CLIP, frames: frames.length, cropsPerSource: crops };
  const rows: string[] = [];
  const bareRuns = [];
  for (let r = 0; r < ROUNDS; r++) bareRuns.push(await bare());
  const bw = median(bareRuns.map((b) => b.wallMs));
  out['bare'] = { msPerCrop: Number((bw / crops).toFixed(2)) };
  rows.push(
    `bare (all queued):   ${(bw / crops).toFixed(2)} ms/crop, ${((1000 * crops) / bw).toFixed(1)} crops/s`,
  );
  for (const n of SOURCES) {
    const runs = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await sources(n));
    const wall = median(runs.map((x) => x.wallMs));
    const busy = median(runs.map((x) => x.runMs / x.wallMs));
    out[`sources${n}`] = {
      msPerCrop: Number((wall / (n * crops)).toFixed(2)),
      cropsPerSecond: Number(((1000 * n * crops) / wall).toFixed(1)),
      sessionBusy: Number(busy.toFixed(3)),
    };
    rows.push(
      `${n} source(s):         ${(wall / (n * crops)).toFixed(2)} ms/crop, ` +
        `${((1000 * n * crops) / wall).toFixed(1)} crops/s, session busy ${(100 * busy).toFixed(0)} %`,
    );
  }
  console.log(
    `pose across sources: ${crops} crops per source, one shared MoveNet session (median of ${ROUNDS})`,
  );
  for (const r of rows) console.log('  ' + r);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  benchPoseSources().then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
