import Router from '@koa/router';
import multer from '@koa/multer';
import Koa from 'koa';

/**
 * The HTTP ceiling: the same framework stack as the service (Koa, @koa/router, @koa/multer
 * with memory storage) accepting the same multipart upload on the same route, and answering a
 * constant. Whatever the real endpoint does beyond this is the cost being measured.
 * Run as its own process: `node dist/app/bench/e2e/bare-koa-server.js` with PORT and HOST.
 */

// Shaped like a real answer (id and digit) so the replay client counts it as a success.
const CONSTANT = JSON.stringify({ id: '00000000-0000-7000-8000-000000000000', digit: 3, confidence: 1 });

function createBareApp(): Koa {
  const app = new Koa();
  const router = new Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 5 * 1024 * 1024, files: 1 } });
  router.post('/api/predictions', upload.single('image'), (ctx) => {
    if (ctx.request.file === undefined) ctx.throw(400, 'no image');
    ctx.status = 201;
    ctx.type = 'application/json';
    ctx.body = CONSTANT;
  });
  router.get('/readyz', (ctx) => {
    ctx.body = { ready: true };
  });
  app.use(router.routes());
  return app;
}

// A benchmark entry point, not the service: it reads its two settings directly.
const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const server = createBareApp().listen(port, host);
const stop = (): void => {
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
