/**
 * The hub in a leader tab, for browsers without SharedWorker (Android WebViews, older Chrome for
 * Android). The tab that holds the leader Web Lock runs the hub; every tab, the leader's own
 * included, talks to it over a BroadcastChannel (src/client/connection.ts).
 */
import { leaderNames, type ChannelEnvelope, type TabToHub } from '../shared/protocol';
import { browserHubEnvironment } from './browser-env';
import { FleetHub, type TabLink } from './hub';

/**
 * Runs the hub in this tab until the returned function is called (or the tab goes away); the
 * promise it returns settles once the stream is closed and what the hub received is stored.
 */
export function runLeaderHub(version: string): () => Promise<void> {
  const channel = new BroadcastChannel(leaderNames(version).channel);
  const post = (envelope: ChannelEnvelope) => channel.postMessage(envelope);
  const links = new Map<TabLink, string>();
  const tabs = new Map<string, (message: TabToHub) => void>();
  const hub = new FleetHub({
    ...browserHubEnvironment('leader-tab', version),
    // One post reaches every tab; each keeps what is addressed to it.
    postMany: (targets, message) => post({ kind: 'to-tabs', to: targets.map((l) => links.get(l) ?? ''), message }),
  });
  const onOnline = () => hub.reconnectNow();
  addEventListener('online', onOnline);

  channel.onmessage = (e: MessageEvent<ChannelEnvelope>) => {
    const envelope = e.data;
    if (envelope.kind !== 'to-hub') return;
    let receive = tabs.get(envelope.from);
    if (!receive) {
      if (envelope.message.type !== 'hello') return;
      const tabId = envelope.from;
      const link: TabLink = { post: (message) => post({ kind: 'to-tabs', to: [tabId], message }) };
      links.set(link, tabId);
      receive = hub.attach(link, () => {
        links.delete(link);
        tabs.delete(tabId);
      });
      tabs.set(tabId, receive);
    }
    receive(envelope.message);
  };
  post({ kind: 'leader' });

  return () => {
    removeEventListener('online', onOnline);
    channel.close();
    return hub.shutdown();
  };
}
