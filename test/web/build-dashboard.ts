import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const WEB = fileURLToPath(new URL('../../web', import.meta.url));

/**
 * Builds the dashboard as `npm run build:web` does. Vite takes NODE_ENV from the environment and vitest sets it to
 * "test", which would keep Preact's development branches in the bundle (about 5 KB gzip more) — not what ships.
 */
export async function buildDashboard(outDir?: string): Promise<void> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: WEB, logLevel: 'warn', ...(outDir === undefined ? {} : { build: { outDir, emptyOutDir: true } }) });
  } finally {
    process.env.NODE_ENV = previous;
  }
}
