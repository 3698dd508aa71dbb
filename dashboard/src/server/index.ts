// The dashboard's HTTP + WebSocket server.
export { buildServer } from './server.ts';
export type { ServerDeps, Keyframe } from './deps.ts';
export { DEFAULT_UPLOAD_LIMIT_BYTES } from './deps.ts';
export { FRAME_SKIP_BYTES, CLOSE_BYTES } from './live.ts';
export { SESSION_COOKIE, sessionValue } from './auth.ts';
