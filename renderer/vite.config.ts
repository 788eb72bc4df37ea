// Builds the renderer: `vite build --config renderer/vite.config.ts` -> dist/renderer (relative asset paths,
// so the same files load from file:// in Electron and from the web host).
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

/** Vite marks its tags crossorigin; under file:// (Electron) that only invites CORS trouble. */
const noCrossorigin: Plugin = {
  name: 'dispatch-phone:no-crossorigin',
  transformIndexHtml: (html) => html.replace(/ crossorigin(?=[\s>])/g, ''),
};

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [preact(), noCrossorigin],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
