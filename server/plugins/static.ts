/**
 * The built client (dist/client): hashed assets cached for a year, everything else revalidated,
 * never a source map (404), and the app's routes (`/`, `/login`, `/admin`, `/trucks/:id`) answered
 * with index.html. Without a build it explains itself with a 503 page instead of failing.
 */
import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Options of the static plugin. */
export interface StaticPluginOptions {
  root: string;
}

/** Vite puts content-hashed files under /assets/: their URL changes with their content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, the service worker, the manifest) must be revalidated to pick up a release. */
const REVALIDATE = 'no-cache';

function notBuiltPage(root: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fleetwire: client not built</title></head>
<body><h1>fleetwire's web client is not built</h1>
<p>The server is running (the API answers under /api), but there is no <code>index.html</code> in <code>${root}</code>.</p>
<p>Build it with <code>npm run build</code>, or start the server with <code>npm start</code>, which builds it when needed.</p></body></html>`;
}

/** The static plugin. */
export default async function staticPlugin(app: FastifyInstance, options: StaticPluginOptions): Promise<void> {
  const root = path.resolve(options.root);
  const indexFile = path.join(root, 'index.html');
  const served = existsSync(root);
  if (served) {
    await app.register(fastifyStatic, {
      root,
      index: false,
      wildcard: true,
      cacheControl: false,
      // The build writes a brotli and a gzip copy of every text file (scripts/build-sw.mjs): sent as
      // they are to a browser that accepts them, with Vary: Accept-Encoding.
      preCompressed: true,
      // Source maps are not shipped (the build writes them outside the root); one left here by an
      // older build or by hand is not served either: it would hand out the app's source.
      allowedPath: (pathName) => !pathName.toLowerCase().endsWith('.map'),
      setHeaders(reply, filePath) {
        const rel = path.relative(root, filePath).split(path.sep).join('/');
        reply.header('cache-control', rel.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
      },
    });
  } else {
    app.log.warn({ root }, 'fleetwire client is not built: the API works, pages answer 503 until `npm run build`');
  }

  async function appShell(_request: unknown, reply: FastifyReply) {
    try {
      // Without the static plugin (no build at start) there is no sendFile: a restart picks up a later build.
      if (!served) throw new Error('not built at start');
      await access(indexFile);
    } catch {
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage(root));
    }
    return reply.header('cache-control', REVALIDATE).sendFile('index.html', root);
  }

  for (const url of ['/', '/login', '/admin', '/trucks/:id']) app.get(url, appShell);
}
