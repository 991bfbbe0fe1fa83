/** `GET /healthz`: 200 while the server is serving. */
import type { FastifyInstance } from 'fastify';

/** The health route. */
export default async function healthPlugin(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async function healthz() {
    return { status: 'ok' };
  });
}
