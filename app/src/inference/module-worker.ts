import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a `node:worker_threads` Worker on an ES module, compiled or not. From dist/ the script
 * is a .js file and Node runs it as is. From TypeScript sources (Vitest, `node --import tsx`)
 * it is a .ts file, which a worker cannot load by itself on Node 20: `--import tsx` in the
 * worker's execArgv registers its hooks too late for the worker's own entry module. So a
 * one-line bootstrap registers tsx's loader inside the worker first, then imports the script.
 */

/** Whether `url` names TypeScript source rather than compiled JavaScript. */
export function isTypeScriptUrl(url: URL): boolean {
  return /\.[cm]?ts$/.test(url.pathname);
}

/**
 * The script beside `moduleUrl` named `baseName`, with the extension `moduleUrl` has: callers
 * pass their own `import.meta.url`, so sources find sources and dist finds dist.
 */
export function resolveSiblingScript(moduleUrl: string, baseName: string): URL {
  const own = new URL(moduleUrl);
  return new URL(`./${baseName}${isTypeScriptUrl(own) ? '.ts' : '.js'}`, own);
}

function bootstrapTypeScript(scriptUrl: URL): URL {
  // Resolved here, in a process that already runs TypeScript, so tsx is installed; the
  // bootstrap is a data: URL, which has no node_modules of its own to resolve from.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsxApi)};\nregister();\nawait import(${JSON.stringify(scriptUrl.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * `new Worker(scriptUrl, options)`, through the tsx bootstrap when `scriptUrl` is TypeScript.
 * The worker inherits the parent's execArgv as usual (e.g. `--cpu-prof` profiles it too).
 */
export function startModuleWorker(scriptUrl: URL, options: WorkerOptions = {}): Worker {
  return new Worker(isTypeScriptUrl(scriptUrl) ? bootstrapTypeScript(scriptUrl) : scriptUrl, options);
}
