// The e2e tests drive the built product against the real lab: make sure both exist.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLab, labPaths } from '../lab/peers.js';

export default async function globalSetup(): Promise<void> {
  await ensureLab();
  process.env.PULSE_SERVER = labPaths().pulseServer;
  const repo = labPaths().repo;
  for (const built of ['dist/main/app/host.js', 'dist/renderer/index.html']) {
    if (!existsSync(join(repo, built))) throw new Error(`${built} is missing: run npm run build first`);
  }
}
