// The 10 ms energy envelope (mean square in dBFS per 160 samples at 16 kHz) of the recent past,
// for placing event onsets and ends more finely than the tagger's windows can. Fixed-size ring.
import type { EnergyTrack } from './events.ts';

export const ENERGY_FRAME = 160;

export interface EnergyEnvelope extends EnergyTrack {
  push(x16: Float32Array): void;
  /** Ends the run: the partial frame counts with the samples it has. */
  flush(): void;
  reset(): void;
}

export function createEnergyEnvelope(capacityFrames = 6000): EnergyEnvelope {
  const ring = new Float32Array(capacityFrames);
  let frames = 0;
  let sum = 0;
  let fill = 0;
  const put = (ms: number): void => {
    ring[frames % capacityFrames] = ms > 0 ? 10 * Math.log10(ms) : -Infinity;
    frames++;
  };
  return {
    db(frame) {
      if (frame < 0 || frame >= frames || frame < frames - capacityFrames) return undefined;
      return ring[frame % capacityFrames];
    },
    push(x) {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        sum += v * v;
        if (++fill === ENERGY_FRAME) {
          put(sum / ENERGY_FRAME);
          sum = 0;
          fill = 0;
        }
      }
    },
    flush() {
      if (fill > 0) put(sum / fill);
      sum = 0;
      fill = 0;
    },
    reset() {
      frames = 0;
      sum = 0;
      fill = 0;
    },
  };
}
