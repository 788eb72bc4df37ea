import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';

// Integration tests reach the lab's PulseAudio (test/lab/lab.mjs up) through this socket.
const labPulse = `unix:${fileURLToPath(new URL('./.lab/pulse/native', import.meta.url))}`;

// Three suites: unit (fast, no lab), integration (real Kamailio, peers, PulseAudio; one file at a time
// because they share the lab), and e2e runs under Playwright, not here.
export default defineConfig({
  plugins: [preact()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          // One file at a time: the integration tests share the lab (Kamailio, PulseAudio).
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          env: { PULSE_SERVER: process.env.PULSE_SERVER ?? labPulse },
        },
      },
    ],
  },
});
