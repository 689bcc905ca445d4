import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

// Optional native runtimes: absent where they can't install (libtensorflow; onnxruntime without
// ONNXRUNTIME_NODE_INSTALL=skip), loaded at run time if present.
const optionalNative = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'onnxruntime-node'];

export default defineConfig({
  main: {
    build: {
      // The engine runs in its own utilityProcess (engine-host), off the window's event loop.
      // Image embedding also runs on worker threads (embed-worker), one per core.
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          'engine-host': resolve('src/main/engine-host.ts'),
          'embed-worker': resolve('src/core/runtime/embed-worker.ts'),
        },
        external: optionalNative,
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload must be CommonJS (an .mjs preload can't run with sandbox: true).
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [svelte()],
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
