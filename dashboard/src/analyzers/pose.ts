import { z } from 'zod';
import { InferenceError, type AnalyzerDefinition } from '@aima/inference';

// Skeleton (issue 11): being built; the definition is the registry's line.
export const PoseConfig = z.object({}).strict();

export const poseAnalyzer: AnalyzerDefinition<z.infer<typeof PoseConfig>> = {
  id: 'pose',
  version: '0',
  title: 'Pose',
  description: 'Keypoints per person track (MoveNet on track crops; YOLOv8/11-pose, RTMPose decoders)',
  models: [],
  consumes: [{ kind: 'video' }],
  config: PoseConfig,
  defaultOn: false,
  produces: [],
  create() {
    return Promise.reject(new InferenceError('INFER_ANALYZER_FAILED', 'pose is not built yet'));
  },
};
