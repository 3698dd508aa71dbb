/** x1, y1, x2, y2 in source-frame pixels. */
export type BoxXYXY = readonly [number, number, number, number];

export interface Detection {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
  readonly box: BoxXYXY;
}

/** Where the image sits inside the model input (for mapping boxes back). */
export interface LetterboxTransform {
  /** input pixels per frame pixel */
  readonly scale: number;
  readonly padX: number;
  readonly padY: number;
}

/** Raw candidate before NMS, in model-input pixels. */
export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
}
