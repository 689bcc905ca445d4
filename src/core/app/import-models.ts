/**
 * Models from elsewhere made Glimpse models, as candidates ready to adopt: a released VSE++ run
 * (written as a Glimpse bundle) or a CLIP folder in Immich's layout (copied with a manifest).
 * Their caption bank is the shipped model's: neither brings one.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ParsedInput } from '../../shared/contract.js';
import { readVseppRelease } from '../interop/vsepp-release.js';
import { saveBundle } from '../vse/bundle.js';
import { saveClipModel } from '../interop/clip-bundle.js';
import { readClipFolder } from '../interop/clip-folder.js';
import type { ModelStore } from './models.js';
import { shippedModelDir } from './paths.js';

function shippedBank(): string[] {
  return readFileSync(join(shippedModelDir(), 'captions.txt'), 'utf8').split('\n');
}

/** Copies a CLIP folder (checked first) as a candidate model; returns its folder. */
export function importClipFolder(models: ModelStore, input: ParsedInput<'importOnnx'>): string {
  const folder = readClipFolder(input.path);
  const dir = models.newCandidateDir('clip');
  saveClipModel(
    folder,
    dir,
    {
      name: input.name ?? `CLIP (${basename(input.path)})`,
      description: `A CLIP model exported to ONNX, imported from ${input.path}: ${folder.preprocess.inputSize}-px images and text into a ${folder.embedDim}-d joint space.`,
      trainingData: [
        {
          description: "the model's own (see where it was downloaded); the licence is the model's",
          images: 0,
          captions: 0,
        },
      ],
      recall: [],
      notes: [
        'Imported; Glimpse did not train it and cannot fine-tune it.',
        "Captions by retrieval use the shipped model's caption bank.",
        `Its preprocessing asks for ${folder.interpolation} resizing; Glimpse resizes with sharp's default kernel.`,
      ],
    },
    shippedBank(),
  );
  return dir;
}

/** Writes the run as a candidate bundle; returns its folder. */
export async function importVseppRun(models: ModelStore, input: ParsedInput<'importVsepp'>): Promise<string> {
  const run = readVseppRelease(input.checkpoint, input.vocab);
  try {
    const data = String(run.opt.data_name ?? 'unknown data');
    const cnn = String(run.opt.cnn_type ?? 'resnet');
    const bank = shippedBank();
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
        origin: 'vsepp-released',
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
