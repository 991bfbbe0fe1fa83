/**
 * Feeds any fleetwire server with simulated demo telemetry over HTTP:
 *   npm run simulate -- --url http://127.0.0.1:8080 --key demo-acme --rate 20 [--tenant acme] [--duration 60]
 * Posts one batch per second to /api/ingest; stops on Ctrl-C, after --duration seconds, or on a refusal.
 */
import { parseArgs } from 'node:util';
import { DEMO_DEVICE_KEYS, DEMO_TENANTS, buildDemoFleet } from './demo/fleet';
import { FleetSimulator } from './demo/simulator';

/** One batch per second: few requests, yet every truck moves visibly between batches. */
const BATCH_INTERVAL_MS = 1_000;

const USAGE = `usage: npm run simulate -- --url http://127.0.0.1:8080 --key demo-acme [--rate 20] [--tenant acme] [--duration 60] [--time-scale 1]`;

function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      key: { type: 'string' },
      rate: { type: 'string' },
      tenant: { type: 'string' },
      duration: { type: 'string' },
      'time-scale': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const key = values.key ?? fail('--key is required (a device key, e.g. demo-acme)');
  const tenant = values.tenant ?? DEMO_DEVICE_KEYS[key] ?? fail(`--tenant is required: "${key}" is not a demo key, so its tenant is unknown`);
  if (!(DEMO_TENANTS as readonly string[]).includes(tenant)) fail(`--tenant must be one of ${DEMO_TENANTS.join(', ')}, got "${tenant}"`);
  const rate = positive('rate', values.rate, 20);
  const durationS = values.duration === undefined ? Infinity : positive('duration', values.duration, 60);
  const timeScale = positive('time-scale', values['time-scale'], 1);
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    fail(`--url must be a URL such as http://127.0.0.1:8080, got "${values.url}"`);
  }
  const endpoint = new URL('/api/ingest', base);

  const start = Date.now();
  const fleet = buildDemoFleet(start, timeScale).filter((t) => t.info.tenant === tenant);
  const sim = new FleetSimulator(fleet, { now: start, timeScale });
  let budget = 0;
  let last = start;
  let sent = 0;
  let stopping = false;
  process.on('SIGINT', () => (stopping = true));
  process.on('SIGTERM', () => (stopping = true));
  process.stdout.write(`simulate: ${fleet.length} ${tenant} trucks → ${endpoint.href} at ${rate} events/s\n`);

  while (!stopping && Date.now() - start < durationS * 1000) {
    const now = Date.now();
    budget += ((now - last) / 1000) * rate;
    last = now;
    sim.advance(now);
    const count = Math.floor(budget);
    budget -= count;
    // The first batch carries every truck, so the server has a position for each right away.
    const items = sent === 0 ? sim.sampleAll(now) : sim.take(count, now);
    if (items.length > 0) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(items),
        });
      } catch (err) {
        process.stderr.write(`simulate: cannot reach ${endpoint.href} (${(err as Error).message}); retrying\n`);
        await new Promise((r) => setTimeout(r, BATCH_INTERVAL_MS));
        continue;
      }
      const body = (await res.json().catch(() => ({}))) as { ids?: string[]; message?: string };
      if (!res.ok) {
        process.stderr.write(`simulate: the server refused the batch (${res.status}): ${body.message ?? 'no message'}\n`);
        process.exit(1);
      }
      sent += items.length;
      process.stdout.write(`simulate: sent ${items.length} (total ${sent}), last id ${body.ids?.at(-1) ?? '?'}\n`);
    }
    await new Promise((r) => setTimeout(r, BATCH_INTERVAL_MS));
  }
  process.stdout.write(`simulate: done, ${sent} events sent\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
