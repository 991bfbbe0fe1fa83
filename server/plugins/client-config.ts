/**
 * `GET /api/config`: the deployment's settings the app needs, for a logged-in operator. Today only
 * the fleet map's style (`FLEETWIRE_MAP_STYLE`): a style URL may carry a tile provider's key, so it
 * is not for anonymous visitors.
 */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';

/** Options of the client configuration plugin. */
export interface ClientConfigPluginOptions {
  /** A MapLibre style URL; undefined: the map draws the country outlines shipped with the app. */
  mapStyle: string | undefined;
}

const ConfigReply = Type.Object({ mapStyle: Type.Union([Type.String(), Type.Null()]) });

/** The configuration route. */
export default async function clientConfigPlugin(app: FastifyInstance, options: ClientConfigPluginOptions): Promise<void> {
  if (options.mapStyle !== undefined && typeof options.mapStyle !== 'string') {
    throw new Error('fleetwire-client-config: mapStyle must be a string or undefined');
  }
  const reply = { mapStyle: options.mapStyle ?? null };
  app.get('/api/config', { preHandler: app.authenticate, schema: { response: { 200: ConfigReply } } }, async function clientConfig() {
    return reply;
  });
}
