/**
 * A released VSE++ run made a Glimpse model: read (interop/), written as a candidate bundle with
 * its card, ready to adopt. Its caption bank is the shipped model's: the run brings none.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ParsedInput } from '../../shared/contract.js';
import { readVseppRelease } from '../interop/vsepp-release.js';
import { saveBundle } from '../vse/bundle.js';
import type { ModelStore } from './models.js';
import { shippedModelDir } from './paths.js';

/** Writes the run as a candidate bundle; returns its folder. */
export async function importVseppRun(models: ModelStore, input: ParsedInput<'importVsepp'>): Promise<string> {
  const run = readVseppRelease(input.checkpoint, input.vocab);
  try {
    const data = String(run.opt.data_name ?? 'unknown data');
    const cnn = String(run.opt.cnn_type ?? 'resnet');
    const bank = readFileSync(join(shippedModelDir(), 'captions.txt'), 'utf8').split('\n');
    const dir = models.newCandidateDir('vsepp');
    await saveBundle(dir, {
      config: run.config,
      model: run.model,
      vocab: run.vocab,
      captionBank: bank,
      card: {
        name: input.name ?? `VSE++ ${data} ${cnn} (released)`,
        description: `The VSE++ authors' released model, imported from ${basename(input.checkpoint)}: a ${cnn} (${run.shape.block}, blocks ${run.shape.layers.join('-')}) into a ${run.config.embedSize}-d joint space, a GRU over ${run.vocab.size} words.`,
        trainingData: [
          {
            description: `${data}, trained by the VSE++ authors (Faghri et al., 2018); the licence is the release's and the data's`,
            images: 0,
            captions: 0,
          },
        ],
        recall: [],
        notes: [
          'Imported from a released VSE++ run; Glimpse did not train it.',
          "Captions by retrieval use the shipped model's caption bank.",
        ],
      },
    });
    return dir;
  } finally {
    run.model.dispose();
  }
}
