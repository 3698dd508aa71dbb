// Worker threads do not inherit a TypeScript loader from test runners, so register tsx here.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
