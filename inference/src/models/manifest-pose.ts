import type { ModelSpec } from './manifest.ts';

/** Pose models (issue 11): present in shared/models (tested with real weights). */
export const POSE_MODELS: readonly ModelSpec[] = [
  {
    // MoveNet SinglePose Lightning int8 (tf2onnx, opset 13; Google's MoveNet, Apache-2.0), facts
    // from shared/models/MANIFEST.md. Input uint8 [1,192,192,3] NHWC RGB (a square person crop);
    // output [1,1,17,3] = [y, x, score] in the crop. Decoded in pose/movenet.ts.
    id: 'movenet-lightning',
    task: 'pose',
    file: 'pose/movenet_lightning_int8.onnx',
    url: 'https://raw.githubusercontent.com/MKChou/DST-FallNet/bdde6317ad8654e8b7ce55631dc5eba61b7bf1b0/models/FallFusion-Pose.onnx',
    sha256: 'ce39bee58275f7bb768a4ab4d2524f7215de8679079b3dcfe0b088fc77888f23',
    bytes: 2_935_795,
    license: 'Apache-2.0 (Google MoveNet; tf2onnx conversion)',
    input: null,
    decoder: 'movenet',
  },
];

/**
 * Pose models users download (not tried here: over shared/models' fetch limit).
 *
 * RTMPose-t (COCO-17, body7, 256×192, SimCC, Apache-2.0): OpenMMLab ships its ONNX only inside
 * the SDK zip named in `url`; the sha256 and size are those of the `end2end.onnx` inside it, as
 * several independent public projects pin them (zip sha256 937003a7…e805cb). The registry does
 * not unpack zips: place end2end.onnx at AIMA_MODELS_DIR/pose/rtmpose-t/end2end.onnx and the
 * registry verifies it; `aima models pull rtmpose-t` fails its hash check on the zip, by design.
 *
 * YOLOv8/11-pose: Ultralytics publishes only .pt weights (AGPL-3.0) and no pinned ONNX file with
 * a hash could be verified here, so there is no manifest entry: export one yourself
 * (`yolo export model=yolov8n-pose.pt format=onnx`), put it in AIMA_MODELS_DIR (or the model cache)
 * and give the pose analyzer its path (`model: 'pose/yolov8n-pose.onnx'`; decoder 'yolov8-pose').
 */
export const POSE_DOWNLOAD_MODELS: readonly ModelSpec[] = [
  {
    id: 'rtmpose-t',
    task: 'pose',
    file: 'pose/rtmpose-t/end2end.onnx',
    url: 'https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/onnx_sdk/rtmpose-t_simcc-body7_pt-body7_420e-256x192-026a1439_20230504.zip',
    sha256: 'a6c2f6a3896a4d51131d14d7a80a3d08b50f559af5a58a45d5b098aef510a70f',
    bytes: 13_350_364,
    license: 'Apache-2.0 (OpenMMLab RTMPose)',
    input: null,
    decoder: 'rtmpose-simcc',
  },
];
