/** `npm run bench -- <name> [options]`: speed and memory benchmarks that print tables. */
import { benchTrain } from './train.js';
import { benchQuery } from './query.js';
import { benchIndex } from './index-bench.js';

const benches: Record<string, (args: string[]) => Promise<void>> = {
  train: benchTrain,
  query: benchQuery,
  index: benchIndex,
};

const [name, ...args] = process.argv.slice(2);
const run = name ? benches[name] : undefined;
if (!run) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
await run(args);
