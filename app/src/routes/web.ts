import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { PROJECT_ROOT } from '../config.js';
import { NotFoundError } from '../errors.js';
import type { AppState } from '../http/request-context.js';

/**
 * The page's files live as plain HTML/CSS/JS in app/src/web (no build step), resolved from
 * the project root so the compiled service in dist/ serves the same files. The image must
 * ship app/src/web.
 */
export const DEFAULT_WEB_DIR = path.join(PROJECT_ROOT, 'app', 'src', 'web');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Only our own origin: the page loads nothing from elsewhere, and injected markup cannot either. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface WebFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** Reads every servable file once: a fixed set, so no request path ever reaches the file system. */
function loadWebFiles(webDir: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  for (const name of readdirSync(webDir)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType === undefined || name.includes('.test.')) continue;
    files.set(name, { body: readFileSync(path.join(webDir, name)), contentType });
  }
  return files;
}

/** `/` (the page) and `/web/:file` (its scripts and styles). */
export function registerWebRoutes(router: Router<AppState>, webDir: string = DEFAULT_WEB_DIR): void {
  const files = loadWebFiles(webDir);
  const serve = (name: string): WebFile => {
    const file = files.get(name);
    if (file === undefined) throw new NotFoundError(`no such file: ${name.slice(0, 64)}`);
    return file;
  };

  router.get('/', (ctx) => {
    const page = serve('index.html');
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = page.contentType;
    ctx.body = page.body;
  });

  router.get('/web/:file', (ctx) => {
    const file = serve(ctx.params.file ?? '');
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = file.contentType;
    ctx.body = file.body;
  });
}
