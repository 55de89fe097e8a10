// The "recovery" scenario of npm run bench: recovery's CPU cost on request/reply, then a resume storm on Redis (REDIS_URL, default redis://127.0.0.1:6379).
import { recoveryCost, resumeStorm } from './recovery.js';
import type { Metrics, Settings } from './scenarios.js';

export async function runRecoveryBench(settings: Settings, rounds: number, quick: boolean, trial: (scenario: string, round: number, run: () => Promise<Metrics>) => Promise<void>): Promise<void> {
  await recoveryCost(settings, rounds, trial);
  const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const clients = Number(process.env['STORM_CLIENTS'] ?? (quick ? 1000 : 5000));
  console.log(`\nresume storm (${clients} clients, 50 rooms, 5 missed events each, Redis at ${redisUrl})`);
  await trial('resume-storm', 1, () => resumeStorm(redisUrl, clients, 50, 5));
}
