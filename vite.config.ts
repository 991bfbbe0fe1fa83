// Builds the browser side: the app shell (index.html) and the hub's SharedWorker, hashed by content.
import { defineConfig } from 'vite';

const SERVER = process.env.FLEETWIRE_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
  define: {
    // Carried in the hub's name and leader channel so that two builds never share a hub.
    __FLEETWIRE_VERSION__: JSON.stringify(process.env.FLEETWIRE_VERSION ?? new Date().toISOString()),
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: SERVER, changeOrigin: false }, '/metrics': SERVER, '/healthz': SERVER },
  },
});
