/** `npm run bench -- <name> [options]`: speed and memory benchmarks that print tables. */
import { benchTrain } from './train.js';
import { benchQuery } from './query.js';
import { benchIndex } from './index-bench.js';
import { benchStartup } from './startup.js';
import { benchOcr } from './ocr.js';
import { benchDetect } from './detect.js';
import { benchText } from './text.js';
import { benchReembed } from './reembed.js';
import { benchCaptionBank } from './caption-bank.js';
import { benchIndexReal } from './index-real.js';
import { benchFaces } from './faces.js';
import { benchPeopleScale } from './people-scale.js';
import { benchPlaces } from './places.js';
import { benchUiScale } from './ui-scale.js';

const benches: Record<string, (args: string[]) => Promise<void>> = {
  train: benchTrain,
  query: benchQuery,
  index: benchIndex,
  startup: benchStartup,
  ocr: benchOcr,
  detect: benchDetect,
  text: benchText,
  reembed: benchReembed,
  'caption-bank': benchCaptionBank,
  'index-real': benchIndexReal,
  faces: benchFaces,
  'people-scale': benchPeopleScale,
  places: benchPlaces,
  'ui-scale': benchUiScale,
};

const [name, ...args] = process.argv.slice(2);
const run = name ? benches[name] : undefined;
if (!run) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
// tfjs's wasm loader re-throws uncaught errors after printing its own source: catch here, so a
// failure prints one line and its stack.
try {
  await run(args);
} catch (err) {
  console.error(`bench ${name}: ${(err as Error).message}\n${(err as Error).stack ?? ''}`);
  process.exit(1);
}
