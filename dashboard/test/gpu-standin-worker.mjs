// A lightweight real worker process for the GPU pool's fault runs (starting the full `aima worker`
// 20 times would take minutes): it joins the control plane over the real worker protocol with the
// instance's one-time token (hello → welcome), heartbeats GPU stats, and refuses any assignment.
// Plain JS, so it starts in ~100 ms without tsx. Env as a rented instance gets it from the pool.
import WebSocket from 'ws';

const server = process.env.AIMA_SERVER_URL;
const token = process.env.AIMA_JOIN_TOKEN;
if (!server || !token) {
  console.error('AIMA_SERVER_URL and AIMA_JOIN_TOKEN are required');
  process.exit(2);
}
const ws = new WebSocket(`${server.replace(/^http/, 'ws').replace(/\/$/, '')}/api/v1/workers/connect`);
let beat = null;

const send = (m) => ws.send(JSON.stringify(m));
const heartbeat = () =>
  send({
    type: 'heartbeat',
    stats: {
      gpu: { utilization: 42, memoryUsedMb: 2048, memoryTotalMb: 24576, temperatureC: 61 },
      cpuLoad: 0.1,
      assignments: 0,
    },
  });

ws.on('open', () =>
  send({
    type: 'hello',
    protocol: 1,
    token,
    name: `standin-${process.env.AIMA_INSTANCE_ID ?? 'worker'}`,
    capabilities: {
      executionProviders: ['cpu'],
      gpu: { name: 'Emulated GPU', memoryMb: 24576 },
      analyzers: [],
      cpus: 1,
      version: 'standin',
    },
    running: [],
  }),
);
ws.on('message', (data) => {
  const m = JSON.parse(String(data));
  if (m.type === 'welcome') {
    heartbeat();
    beat = setInterval(heartbeat, 300);
  } else if (m.type === 'assign') {
    send({
      type: 'failed',
      assignmentId: m.assignmentId,
      code: 'WORKER_FAILED',
      message: 'stand-in runs nothing',
    });
  }
});
ws.on('close', () => {
  if (beat) clearInterval(beat);
  process.exit(0);
});
ws.on('error', (err) => {
  console.error(`stand-in: ${err.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  ws.close();
  setTimeout(() => process.exit(0), 200).unref();
});
