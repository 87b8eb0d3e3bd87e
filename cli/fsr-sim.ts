// `fsr-sim`, the headless simulator's entry point (bundled to dist/fsr-sim.js): hands argv to
// cli/sim.ts and exits with its code. Knows nothing of scenarios or the engine itself.

import { main } from './sim';

// `fsr-sim listing | head`: a reader that goes away early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = main(process.argv.slice(2));
