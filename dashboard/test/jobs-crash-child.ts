// Run by jobs-crash.test.ts in a child process: opens the job stack on a data dir, starts a job on
// the given media and prints `running <jobId> <sourceId>` once an item is past its first frames,
// then waits to be killed (SIGKILL: no shutdown code runs).
import { openJobsEnv } from './jobs-support.ts';
import { waitFor } from './server-helpers.ts';

const [dataDir, ...media] = process.argv.slice(2);
const env = await openJobsEnv(dataDir!);
const job = await env.jobs.create({ media, analyzers: ['detect'] });
await env.jobs.start(job.id);
const sourceId = await waitFor(async () => {
  const v = await env.jobs.get(job.id);
  const item = v.items[0]!;
  return item.state === 'running' && item.progress > 0.1 ? item.sourceId : undefined;
});
process.stdout.write(`running ${job.id} ${sourceId}\n`);
setInterval(() => undefined, 1000);
