/** maplibre-gl ships no types for its worker script; the fleet map's worker only needs it loaded. */
declare module 'maplibre-gl/dist/maplibre-gl-worker.mjs' {
  /** MapLibre's worker class; the module starts one on `self` when loaded in a worker. */
  const MapLibreWorker: unknown;
  export default MapLibreWorker;
}
