/** A tiny typed event emitter keyed by an event map (workbox-window style), for the tab's own services. */

/** Listeners by event name; `on` returns the function that removes the listener. */
export class Emitter<M> {
  private readonly _listeners = new Map<keyof M, Set<(detail: never) => void>>();

  on<K extends keyof M>(type: K, listener: (detail: M[K]) => void): () => void {
    let set = this._listeners.get(type);
    if (!set) this._listeners.set(type, (set = new Set()));
    set.add(listener as (detail: never) => void);
    return () => set.delete(listener as (detail: never) => void);
  }

  emit<K extends keyof M>(type: K, detail: M[K]): void {
    for (const listener of this._listeners.get(type) ?? []) {
      try {
        (listener as (detail: M[K]) => void)(detail);
      } catch (error) {
        // One broken listener must not stop the others from hearing the event.
        console.error(`fleetwire: a '${String(type)}' listener failed`, error);
      }
    }
  }
}
