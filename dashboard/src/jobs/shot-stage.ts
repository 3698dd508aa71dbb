import type { Frame } from '@aima/ingest';
import { createShotDetector, NO_PROFILE, type Profile, type Shot } from '@aima/inference';
import type { ShotRecord, Store } from '@aima/storage';

/** Shots of one job: cuts found on the analysed frames, each shot stored as it ends. */
export interface ShotStage {
  /** true when this frame starts a new shot (a cut). */
  push(frame: Frame): Promise<boolean>;
  readonly shots: number;
  close(): Promise<void>;
}

export function createShotStage(store: Store, sourceId: string, profile: Profile = NO_PROFILE): ShotStage {
  const detector = createShotDetector({});
  let shots = 0;
  const save = async (s: Shot | null): Promise<boolean> => {
    if (!s) return false;
    shots++;
    const row: ShotRecord = {
      sourceId,
      index: s.index,
      startTs: s.startTs,
      endTs: s.endTs,
      keyframeTs: s.keyframeTs,
      cutScore: s.cutScore,
      palette: [...s.palette],
      sharpness: s.sharpness,
      exposure: { ...s.exposure },
    };
    await store.insertShots([row]);
    return true;
  };
  return {
    push: (frame) => save(profile.measure('shots', () => detector.push(frame.ts, frame))),
    get shots() {
      return shots;
    },
    close: async () => {
      await save(detector.flush());
    },
  };
}
