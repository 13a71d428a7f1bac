// The console's static files, read once at start-up and served from memory:
//
//   GET /console/assets/app.js | console.css | icon.svg
//
// Names are fixed (no path from the request reaches the file system). The
// files are not fingerprinted, so browsers revalidate them (ETag, 304) rather
// than cache them blindly across upgrades.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

function load(name: string, contentType: string): Asset {
  const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, contentType, etag };
}

export const CONSOLE_ASSETS: ReadonlyMap<string, Asset> = new Map(
  Object.entries(TYPES).map(([name, contentType]) => [name, load(name, contentType)]),
);

export function registerStaticAssets(scope: FastifyInstance): void {
  scope.get('/console/assets/:name', async (request, reply) => {
    const asset = CONSOLE_ASSETS.get((request.params as { name: string }).name);
    if (!asset) return reply.callNotFound();
    reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.header('content-type', asset.contentType).send(asset.body);
  });
}
