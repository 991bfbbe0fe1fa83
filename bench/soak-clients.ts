// The soak's SSE clients: many plain HTTP stream readers in one child process (bench/soak.ts starts it).
// Each checks that the ids it receives are contiguous, and resumes with Last-Event-ID when cut.
import http from 'node:http';

/** Stats of all clients, sent to the parent. */
export interface ClientsReport {
  clients: number;
  connected: number;
  events: number;
  /** Lowest and highest per-client last sequence number seen. */
  minSeq: number;
  maxSeq: number;
  gaps: number;
  duplicates: number;
  resets: number;
  reconnects: number;
}

/** Messages from the parent. */
export type ToClients = { type: 'finish'; finalSeq: number; timeoutMs: number };
/** Messages to the parent. */
export type FromClients =
  | { type: 'progress'; report: ClientsReport }
  | { type: 'final'; report: ClientsReport; atFinal: number; missing: number };

const url = process.env.SOAK_URL as string;
const cookie = process.env.SOAK_COOKIE as string;
const count = Number(process.env.SOAK_CLIENTS ?? 2_000);
const epoch = process.env.SOAK_EPOCH as string;
const startSeq = Number(process.env.SOAK_START_SEQ ?? 0);
/** Delay before a cut client resumes, ms (EventSource waits the server's `retry:`; this is quicker). */
const RECONNECT_MS = 1_000;
/** Clients opened per tick while connecting, so 2,000 connects do not arrive as one burst. */
const CONNECTS_PER_TICK = 100;

interface Client {
  lastSeq: number;
  events: number;
  gaps: number;
  duplicates: number;
  resets: number;
  reconnects: number;
  connected: boolean;
  carry: string;
  req: http.ClientRequest | null;
}

const clients: Client[] = [];
let stopping = false;

function onChunk(c: Client, chunk: string): void {
  const text = c.carry + chunk;
  // Only complete lines are read; the tail waits for the next chunk.
  const end = text.lastIndexOf('\n');
  if (end < 0) {
    c.carry = text;
    return;
  }
  c.carry = text.slice(end + 1);
  // The first id line: at the start, or just after a newline (which may be the text's first
  // character, when the previous chunk ended at the end of a line).
  let at = text.startsWith('id: ') ? 0 : text.indexOf('\nid: ');
  if (at >= 0 && text[at] === '\n') at += 1;
  while (at >= 0 && at < end) {
    const lineEnd = text.indexOf('\n', at);
    const id = text.slice(at + 4, lineEnd);
    const dash = id.indexOf('-');
    const seq = Number(id.slice(dash + 1));
    if (id.slice(0, dash) !== epoch) c.resets += 1;
    else if (seq <= c.lastSeq) c.duplicates += 1;
    else {
      if (seq !== c.lastSeq + 1) c.gaps += 1;
      c.lastSeq = seq;
      c.events += 1;
    }
    const next = text.indexOf('\nid: ', lineEnd);
    at = next < 0 ? -1 : next + 1;
  }
  if (text.includes('\nevent: reset\n')) c.resets += 1;
}

function open(c: Client): void {
  const req = http.get(
    `${url}/api/stream`,
    { agent: false, headers: { cookie, accept: 'text/event-stream', 'last-event-id': `${epoch}-${c.lastSeq}` } },
    (res) => {
      c.connected = res.statusCode === 200;
      c.carry = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => onChunk(c, chunk));
      res.on('close', () => reconnect(c));
      res.on('error', () => reconnect(c));
    },
  );
  req.on('error', () => reconnect(c));
  c.req = req;
}

function reconnect(c: Client): void {
  if (!c.connected && c.req === null) return;
  c.connected = false;
  c.req = null;
  if (stopping) return;
  c.reconnects += 1;
  setTimeout(() => open(c), RECONNECT_MS);
}

function report(): ClientsReport {
  let events = 0;
  let minSeq = Infinity;
  let maxSeq = 0;
  let gaps = 0;
  let duplicates = 0;
  let resets = 0;
  let reconnects = 0;
  let connected = 0;
  for (const c of clients) {
    events += c.events;
    minSeq = Math.min(minSeq, c.lastSeq);
    maxSeq = Math.max(maxSeq, c.lastSeq);
    gaps += c.gaps;
    duplicates += c.duplicates;
    resets += c.resets;
    reconnects += c.reconnects;
    if (c.connected) connected += 1;
  }
  return { clients: clients.length, connected, events, minSeq: clients.length ? minSeq : 0, maxSeq, gaps, duplicates, resets, reconnects };
}

function send(message: FromClients): void {
  process.send?.(message);
}

for (let i = 0; i < count; i++) {
  clients.push({ lastSeq: startSeq, events: 0, gaps: 0, duplicates: 0, resets: 0, reconnects: 0, connected: false, carry: '', req: null });
}
for (let i = 0; i < count; i += CONNECTS_PER_TICK) {
  for (const c of clients.slice(i, i + CONNECTS_PER_TICK)) open(c);
  await new Promise((r) => setTimeout(r, 50));
}
const progress = setInterval(() => send({ type: 'progress', report: report() }), 1_000);

process.on('message', (message: ToClients) => {
  if (message.type !== 'finish') return;
  const deadline = Date.now() + message.timeoutMs;
  const check = setInterval(() => {
    const atFinal = clients.filter((c) => c.lastSeq >= message.finalSeq).length;
    if (atFinal < clients.length && Date.now() < deadline) return;
    clearInterval(check);
    clearInterval(progress);
    stopping = true;
    send({ type: 'final', report: report(), atFinal, missing: clients.reduce((n, c) => n + Math.max(0, message.finalSeq - c.lastSeq), 0) });
    for (const c of clients) c.req?.destroy();
    setTimeout(() => process.exit(0), 200);
  }, 250);
});
