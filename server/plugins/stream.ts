/** `GET /api/stream`: the tenant's events as Server-Sent Events, resumable by id. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Bus } from '../bus';
import type { FleetwireMetrics } from '../metrics';
import type { LiveState } from '../live-state';
import { tooManyRequests } from '../limits';
import type { Broadcaster } from '../stream/broadcaster';
import { resetFrame, retryFrame } from '../stream/sse';
import type { Operator } from './auth';

/**
 * Reconnect delay the stream asks EventSource for, ms: quick enough that a restart is a blip,
 * slow enough that a fleet of browsers does not hammer a server that is coming back.
 */
export const RETRY_MS = 3_000;
/** Headers of a stream (and of HEAD on it). */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  // no-transform: proxies must not compress or buffer a stream.
  'cache-control': 'no-store, no-transform',
  'x-accel-buffering': 'no',
} as const;

/** Retry-After of a stream refused for the per-session cap: a closing window frees its slot within seconds. */
const STREAM_RETRY_AFTER_MS = 10_000;

/** Options of the stream plugin. */
export interface StreamPluginOptions {
  bus: Bus;
  state: LiveState;
  metrics: FleetwireMetrics;
  broadcaster: Broadcaster;
  /** Open streams per session past which a new one is refused with 429. */
  streamsPerSession: number;
}

const StreamQuery = Type.Object({
  lastEventId: Type.Optional(Type.String({ maxLength: 64, description: 'resume after this id (used when no Last-Event-ID header)' })),
});

/** The stream route. */
export default async function streamPlugin(app: FastifyInstance, options: StreamPluginOptions): Promise<void> {
  const { bus, state, metrics, broadcaster } = options;

  app.get(
    '/api/stream',
    { onRequest: app.authenticate, schema: { querystring: StreamQuery } },
    async function stream(request: FastifyRequest, reply: FastifyReply) {
      if (request.method === 'HEAD') {
        // HEAD answers like GET without a body: the stream's headers, and no stream.
        return reply.code(200).headers(STREAM_HEADERS).send();
      }
      const op = request.operator as Operator;
      const { lastEventId: queryId } = request.query as Static<typeof StreamQuery>;
      // The header wins: EventSource sends it on its own reconnects with the newest id, while the
      // URL keeps the (older) id the stream was first opened with.
      const headerId = request.headers['last-event-id'];
      const resumeFrom = (typeof headerId === 'string' && headerId.trim()) || queryId?.trim() || null;
      // One browser needs one stream (its tabs share it); a session holding many is a script.
      if (broadcaster.sessionStreams(op.sid) >= options.streamsPerSession) {
        throw tooManyRequests(
          STREAM_RETRY_AFTER_MS,
          (s) => `This session already has ${options.streamsPerSession} open streams (the most allowed); close a window of fleetwire or wait ${s} s.`,
        );
      }

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        ...STREAM_HEADERS,
        // HTTP/1.0 has no chunked encoding: its stream ends with the connection, which must not be kept.
        connection: request.raw.httpVersion === '1.0' ? 'close' : 'keep-alive',
      });
      request.raw.socket.setNoDelay(true);
      res.write(retryFrame(RETRY_MS));
      const client = broadcaster.attach(op.tenant, op.sid, res, resumeFrom !== null, op.username, op.expiresAt);
      if (resumeFrom === null) return;

      try {
        // Page by page: the next page is read only once this one is written and drained (or the
        // client cut for not reading it), so a resume holds one page whatever the backlog.
        let sentThrough = resumeFrom;
        let reset = false;
        for await (const page of bus.replayPages(op.tenant, resumeFrom)) {
          if (page === 'reset') {
            reset = true;
            break;
          }
          if (!(await broadcaster.replay(client, page))) return;
          sentThrough = (page[page.length - 1] as { id: string }).id;
        }
        if (reset) {
          // The id cannot be resumed, or the history broke mid-way: the snapshot replaces whatever
          // the client has, pages already sent included.
          metrics.streamResets.inc({ tenant: op.tenant });
          const snapshot = await state.snapshot(op.tenant, bus.epoch);
          // `<epoch>-0` means "before the first event": resuming after it replays everything.
          const id = snapshot.lastEventId ?? `${snapshot.epoch}-0`;
          broadcaster.write(client, resetFrame(snapshot, id));
          broadcaster.goLive(client, snapshot.lastEventId);
        } else {
          broadcaster.goLive(client, sentThrough);
        }
      } catch (err) {
        request.log.error({ err }, 'stream resume failed; closing the stream so the client retries');
        res.destroy();
      }
    },
  );
}
