/**
 * `aks-proxy-config`: the command-line tool (bin/aks-proxy-config.cjs runs this file; so can `node
 * dist/cli/main.js`). Nothing is loaded before the Node.js version is checked, so that an older Node gets a sentence
 * instead of a syntax or module error from a dependency.
 */
const MINIMUM_NODE = [22, 12] as const;

function olderThanMinimum(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10));
  return major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1]);
}

if (olderThanMinimum(process.versions.node)) {
  process.stderr.write(
    `aks-proxy-config needs Node.js ${MINIMUM_NODE.join('.')} or newer, and this is Node.js ${process.versions.node}.\n` +
      'In a clone of the repository, run it through npm (npx aks-proxy-config ...), which uses the Node.js 24 the\n' +
      'project installs (node_modules/.bin/node), or run node_modules/.bin/node dist/cli/main.js ...\n',
  );
  process.exitCode = 2;
} else {
  // V8's code cache on disk (in the OS temp directory; Node 22.1+): later runs skip compiling commander and the
  // domain, which is most of a short run's own time. Best effort: an unwritable cache only costs that time.
  try {
    (require('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  } catch {
    // no cache
  }
  (require('./program') as typeof import('./program')).main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`aks-proxy-config: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
