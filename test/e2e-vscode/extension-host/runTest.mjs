// Runs the extension-host suite with @vscode/test-electron's runTests. Here (no internet) VS Code is
// code-server behind test/e2e-vscode/fake-code.mjs; with FSR_DOWNLOAD_VSCODE=1 test-electron downloads the real one.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;
const out = join(root, 'out', 'extension-host');

export async function runExtensionHostTests() {
  await esbuild.build({
    entryPoints: [join(root, 'test/e2e-vscode/extension-host/index.ts'), join(root, 'test/e2e-vscode/extension-host/extension.spec.ts'), join(root, 'test/e2e-vscode/extension-host/timetravel.spec.ts')],
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    mainFields: ['module', 'main'],
    external: ['vscode', 'mocha'],
    sourcemap: true,
    logLevel: 'warning',
  });
  const download = process.env.FSR_DOWNLOAD_VSCODE === '1';
  return runTests({
    ...(download ? {} : { vscodeExecutablePath: join(root, 'test/e2e-vscode/fake-code.mjs') }),
    extensionDevelopmentPath: root,
    extensionTestsPath: join(out, 'index.js'),
    launchArgs: [join(root, 'examples'), '--disable-extensions'],
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runExtensionHostTests().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
