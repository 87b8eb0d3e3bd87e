// The mocha entry VS Code loads as --extensionTestsPath: runs the extension-host specs inside the
// editor and ends with `extension-host suite — N passed, N failed` (the runners around it print the one closing line). Knows nothing of how VS Code was started (real or code-server).
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.spec.js'));
  mocha.addFile(path.join(__dirname, 'timetravel.spec.js'));
  console.log('--- extension-host tests ---');
  return new Promise((resolve, reject) => {
    let passed = 0;
    let failed = 0;
    const runner = mocha.run(() => {
      console.log(`extension-host suite — ${passed} passed, ${failed} failed`);
      // For the runner that cannot see this process's output (test/e2e-vscode/run.mjs adds it up).
      writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify({ passed, failed }));
      if (failed > 0) reject(new Error(`${failed} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
  });
}
