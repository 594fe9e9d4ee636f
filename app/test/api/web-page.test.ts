import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_DIR } from '../../src/routes/web.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('the web page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the page at / with a same-origin-only content security policy', async () => {
    const res = await request(t.callback).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.text).toContain('<canvas id="pad"');
    expect(res.text).toContain('<meta name="viewport"');
  });

  it('serves every script and stylesheet the page references', async () => {
    const page = (await request(t.callback).get('/')).text;
    const scripts = readdirSync(DEFAULT_WEB_DIR).filter((f) => f.endsWith('.js'));
    const referenced = [...page.matchAll(/(?:src|href)="(\/web\/[^"]+)"/g)].map((m) => m[1]!);
    for (const script of scripts) {
      const source = readFileSync(path.join(DEFAULT_WEB_DIR, script), 'utf8');
      referenced.push(...[...source.matchAll(/from '\.\/([^']+)'/g)].map((m) => `/web/${m[1]}`));
    }
    expect(referenced).toContain('/web/app.js');
    expect(referenced).toContain('/web/style.css');
    for (const url of new Set(referenced)) {
      const res = await request(t.callback).get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(url.endsWith('.js') ? /text\/javascript/ : /text\/css/);
    }
  });

  it('loads nothing from the internet', () => {
    for (const file of readdirSync(DEFAULT_WEB_DIR)) {
      const text = readFileSync(path.join(DEFAULT_WEB_DIR, file), 'utf8');
      expect(text.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//gi), file).toBeNull();
      expect(text, file).not.toMatch(/@import\s+url|fonts\.googleapis|cdn\./i);
    }
  });

  it('answers 404 JSON for a file that is not part of the page', async () => {
    for (const url of ['/web/nope.js', '/web/..%2Fserver.ts', '/web/%2e%2e%2fconfig.ts']) {
      const res = await request(t.callback).get(url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});
