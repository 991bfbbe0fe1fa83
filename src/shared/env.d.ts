/** The build's version, injected by Vite (vite.config.ts). */
declare const __FLEETWIRE_VERSION__: string;
