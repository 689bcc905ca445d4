/** A tiny VSE++ bundle trained in the test run itself (tiny CNN, synthetic shapes): a few seconds. */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { createEngineApi } from '../src/core/app/api.js';
import { makeImageFolder } from './synthetic.js';

export async function trainTinyModel(dir: string, seed = 0): Promise<string> {
  const out = join(dir, `tiny-model-${seed}`);
  if (existsSync(join(out, 'bundle.json'))) return out;
  const data = join(dir, `tiny-data-${seed}`);
  await makeImageFolder(data, { perConcept: 4, seed: 5 + seed });
  const api = createEngineApi({ dataDir: join(dir, 'unused') });
  const r = await api.train({
    data,
    out,
    backbone: 'tiny-cnn',
    config: { embedSize: 32, wordDim: 16, batchSize: 16, numEpochs: 12, vocabThreshold: 1, learningRate: 1e-3, seed },
  });
  api.close();
  if (!r.ok) throw new Error(r.error.message);
  return out;
}
