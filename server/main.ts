/** fleetwire's server entry: reads the environment, listens, and shuts down cleanly on SIGTERM/SIGINT. */
import { buildApp } from './app';
import { RedisUnreachableError } from './bus/redis';
import { ConfigError, loadConfig, type Config } from './config';
import { DatabaseUnavailableError } from './store';

/** Longest a shutdown may take before the process exits anyway, ms. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`fleetwire: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await buildApp(config, { processMetrics: true });
  if (config.demoExposed) {
    app.log.warn(
      `FLEETWIRE_DEMO=1 on HOST ${config.host}: the demo accounts and device keys, whose passwords are published, are reachable from other machines`,
    );
  }
  if (config.sessionSecretGenerated) {
    app.log.warn(
      config.bus === 'redis'
        ? 'FLEETWIRE_SESSION_SECRET is not set: using a random secret, so a session is valid on this instance only and ends when it restarts; give every instance the same secret'
        : 'FLEETWIRE_SESSION_SECRET is not set: using a random secret, so sessions end when the server restarts',
    );
  }

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: closing streams and the server');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // A stable line on stdout: scripts and tests read the bound port from it (PORT=0 picks a free one).
  process.stdout.write(`fleetwire listening on http://${config.host}:${port}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`fleetwire: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof RedisUnreachableError || err instanceof DatabaseUnavailableError) {
    process.stderr.write(`fleetwire: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`fleetwire failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
