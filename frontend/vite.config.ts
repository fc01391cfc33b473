/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';

// Go embeds `all:frontend/dist`, which must hold at least one file even in a
// fresh clone, so dist/.gitkeep is committed. emptyOutDir deletes it on every
// build; this puts it back as part of the bundle.
function keepGitkeep(): Plugin {
  return {
    name: 'gatehouse-keep-gitkeep',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '.gitkeep', source: '' });
    },
  };
}

// `npm run dev` in a browser talks to a running `gatehouse serve`;
// GATEHOUSE_API says where it listens.
const apiTarget = process.env.GATEHOUSE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  plugins: [keepGitkeep()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      onwarn(warning, warn) {
        // Mantine marks its modules 'use client' for React Server Components;
        // meaningless in a client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
