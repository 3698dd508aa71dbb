import type { LiveFrame } from '../jobs/analysis-job.ts';
import { livePreview } from '../sources/preview.ts';
import type { AssignmentEnv } from './assignment.ts';

/**
 * The worker's side of live previews: while the control plane says the assignment is watched,
 * analysed frames become JPEGs (the source manager's encoder and rule: at most one encode in
 * flight, a frame arriving meanwhile gets none) and go out as `frame` messages, the first thing
 * the agent drops when its socket is backed up. Unwatched, nothing is encoded.
 */
export function previewSender(
  env: Pick<AssignmentEnv, 'send'>,
  assignmentId: string,
  watched: () => boolean,
  quality?: number,
): (f: LiveFrame) => void {
  let encoding = false;
  return (f) => {
    if (encoding || !watched()) return;
    encoding = true;
    livePreview(f, f.frame.receivedAt ?? performance.timeOrigin + performance.now(), quality)
      .then((p) => {
        // Watching may have stopped while this encoded.
        if (!watched()) return;
        env.send(
          { type: 'frame', assignmentId, ...p, detections: [...p.detections], faces: [...p.faces] },
          'preview',
        );
      })
      // A frame that cannot be encoded gets no preview; the analysis goes on.
      .catch(() => undefined)
      .finally(() => {
        encoding = false;
      });
  };
}
