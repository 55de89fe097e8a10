// The HTTP transport beside a hand-written node:http handler and the WebSocket
// transport: commands over keep-alive (50 at once), and SSE fan-out against
// WebSocket fan-out. The HTTP clients run in the runner's process; each server
// in its own, whose CPU time is what is compared.
import { Agent, request, type IncomingMessage } from 'node:http';
import { Child } from '../lib/ipc.js';
import { median, sleep } from '../lib/stats.js';
import { fanout, requestReply, type Metrics, type Settings } from '../scenarios.js';
import type { ServerStats } from '../servers/server-kit.js';

type HttpSystem = 'raw-http' | 'switchyard-http';
type RecordTrial = (scenario: string, system: string, round: number, run: () => Promise<Metrics>) => Promise<void>;

const modules: { readonly [S in HttpSystem]: URL } = {
  'raw-http': new URL('../servers/raw-http.js', import.meta.url),
  'switchyard-http': new URL('../servers/switchyard-http.js', import.meta.url),
};
const CONCURRENCY = 50;
const payload = JSON.stringify({ n: 1, text: 'hello from the load generator' });

async function start(system: HttpSystem): Promise<{ server: Child; port: number }> {
  const server = new Child(modules[system], [], ['--expose-gc']);
  return { server, port: (await server.ready)['port'] as number };
}

function post(agent: Agent, port: number, path: string, body: string, headers: { readonly [name: string]: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ agent, host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`${path} answered ${response.statusCode}: ${text}`))));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** `POST /commands/echo` from 50 keep-alive connections, one command in flight on each, closed loop. */
async function httpCommands(system: HttpSystem, settings: Settings): Promise<Metrics> {
  const { server, port } = await start(system);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let completed = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      await post(agent, port, '/commands/echo', payload);
      completed++;
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, loop);
  try {
    await sleep(settings.warmupMs);
    const before = await server.call<ServerStats>('stats');
    const from = completed;
    await sleep(settings.durationMs);
    const after = await server.call<ServerStats>('stats');
    const requests = completed - from;
    running = false;
    await Promise.all(loops);
    const cpuMicros = after.cpuMicros - before.cpuMicros;
    return { requests, throughput: requests / ((after.wallMs - before.wallMs) / 1000), cpuPerRequestUs: cpuMicros / requests };
  } finally {
    running = false;
    agent.destroy();
    await server.stop();
  }
}

/** One publish to a room of `members` SSE streams: time until the last stream has the event. */
async function sseFanout(settings: Settings, members: number): Promise<Metrics> {
  const { server, port } = await start('switchyard-http');
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const poster = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const streams: IncomingMessage[] = [];
  let waiting: { seq: number; left: number; done: () => void } | undefined;
  try {
    const tokens: string[] = [];
    for (let n = 0; n < members; n++) {
      const stream = await new Promise<IncomingMessage>((resolve, reject) => request({ agent, host: '127.0.0.1', port, path: '/events' }, resolve).on('error', reject).end());
      streams.push(stream);
      stream.setEncoding('utf8');
      let pending = '';
      const token = new Promise<string>((resolve) => {
        stream.on('data', (chunk: string) => {
          pending += chunk;
          let end: number;
          while ((end = pending.indexOf('\n\n')) !== -1) {
            const event = pending.slice(0, end);
            pending = pending.slice(end + 2);
            if (event.startsWith('event: session.connected')) resolve((/"sessionToken":"([\w-]+)"/.exec(event) as RegExpExecArray)[1] as string);
            else if (event.startsWith('event: tick') && waiting !== undefined && event.includes(`"seq":${waiting.seq},`) && --waiting.left === 0) waiting.done();
          }
        });
      });
      tokens.push(await token);
    }
    for (let n = 0; n < tokens.length; n += CONCURRENCY) {
      await Promise.all(tokens.slice(n, n + CONCURRENCY).map((token) => post(poster, port, '/commands/room.join', '{"room":"bench"}', { 'switchyard-session': token })));
    }
    const before = await server.call<ServerStats>('stats');
    const times: number[] = [];
    for (let seq = 1; seq <= settings.fanoutPublishes; seq++) {
      const started = performance.now();
      const delivered = new Promise<void>((done) => (waiting = { seq, left: members, done }));
      await post(poster, port, '/commands/fanout', JSON.stringify({ room: 'bench', seq, text: 'tick' }));
      await delivered;
      times.push(performance.now() - started);
    }
    const after = await server.call<ServerStats>('stats');
    return { members, lastDeliveryMs: median(times), bestMs: Math.min(...times), serverCpuPerPublishMs: (after.cpuMicros - before.cpuMicros) / 1000 / times.length };
  } finally {
    for (const stream of streams) stream.destroy();
    agent.destroy();
    poster.destroy();
    await server.stop();
  }
}

/**
 * The HTTP scenarios, interleaved round by round: commands on the
 * hand-written handler, the HTTP transport and the WebSocket transport (50
 * connections, one command in flight each); then SSE and WebSocket fan-out
 * to each room size of `fanoutMembers`.
 */
export async function runHttpBench(settings: Settings, rounds: number, record: RecordTrial): Promise<void> {
  console.log('\nhttp-commands-50');
  for (let round = 1; round <= rounds; round++) {
    await record('http-commands-50', 'raw-http', round, () => httpCommands('raw-http', settings));
    await record('http-commands-50', 'switchyard-http', round, () => httpCommands('switchyard-http', settings));
    await record('http-commands-50', 'switchyard', round, () => requestReply('switchyard', settings, CONCURRENCY, 1));
  }
  for (const members of settings.fanoutMembers) {
    console.log(`\nsse-fanout-${members}`);
    for (let round = 1; round <= rounds; round++) {
      await record(`sse-fanout-${members}`, 'switchyard-http', round, () => sseFanout(settings, members));
      await record(`sse-fanout-${members}`, 'switchyard', round, () => fanout('switchyard', settings, members));
    }
  }
}
