export type { Box, TrackerDetection, TrackerOptions, TrackState, TrackUpdate, Tracker } from './types.ts';
export { createTracker } from './byte-tracker.ts';
