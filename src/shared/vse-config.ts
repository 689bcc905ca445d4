/**
 * Every VSE++ hyperparameter, with the paper's defaults (Faghri et al., "VSE++", BMVC 2018, and
 * the published vsepp code). The config travels inside every checkpoint and bundle, and models are
 * rebuilt from it, so a field added later must have a default here. It lives in src/shared because
 * the CLI derives its train flags (and their defaults) from it, and the contract carries it.
 */
import { z } from 'zod';

export const VseConfigSchema = z.object({
  /** Word embedding size. */
  wordDim: z.number().int().positive().default(300),
  /** Joint space size; also the GRU hidden size. */
  embedSize: z.number().int().positive().default(1024),
  /**
   * Encoder pairs, each initialised from its own seed, whose similarities are averaged: their
   * unit embeddings are concatenated and scaled by 1/√heads, so the joint space is heads ×
   * embedSize wide. Not in the paper: on a few thousand training pairs one head's ranking swings
   * with its seed, and an average of seeds is steadier on photos it never saw. 1 is the paper's.
   */
  heads: z.number().int().min(1).max(8).default(1),
  /** GRU layers; the paper (and this engine) use 1. */
  numLayers: z.literal(1).default(1),
  /** Layer-normalised GRU (LN on each step's input and recurrent pre-activations). */
  layerNorm: z.boolean().default(false),
  /** Take |x| of the final embeddings (order embeddings style option in vsepp). */
  useAbs: z.boolean().default(false),
  /** Skip the final L2 norm of image embeddings. */
  noImgNorm: z.boolean().default(false),
  /** Hinge margin α. */
  margin: z.number().nonnegative().default(0.2),
  /** true: hardest negative only (VSE++); false: sum over all negatives (VSE0). */
  maxViolation: z.boolean().default(true),
  /**
   * Epochs of the sum of hinges before max violation starts (0: max violation from the first
   * step, as the paper). Not in the paper: on small data trained from scratch the hardest
   * negative is often a false one early on, which a warm-up sidesteps.
   */
  maxViolationWarmup: z.number().int().nonnegative().default(0),
  /**
   * Centre and scale backbone features by a domain's statistics (photographs) before the
   * projection's L2 norm. Not in the paper: the statistics live in the model as fixed weights.
   */
  standardiseFeatures: z.boolean().default(false),
  learningRate: z.number().positive().default(2e-4),
  /** Multiply the lr by 0.1 every this many epochs. */
  lrUpdate: z.number().int().positive().default(15),
  gradClip: z.number().positive().default(2.0),
  batchSize: z.number().int().positive().default(128),
  numEpochs: z.number().int().positive().default(30),
  /** Validate (and maybe keep the best checkpoint) every this many steps, and at each epoch end. */
  valStep: z.number().int().positive().default(500),
  /** Words seen fewer times than this map to <unk>. */
  vocabThreshold: z.number().int().positive().default(4),
  /** Train the image backbone too (the paper's FT). */
  finetuneCnn: z.boolean().default(false),
  /** Random resized crop + horizontal flip at training time (the paper's RC). */
  augment: z.boolean().default(false),
  /** Image feature size fed to the projection (the backbone's feature width). Filled from the data. */
  imgDim: z.number().int().positive().default(2048),
  /** Seed for init, shuffling and augmentation: a resumed run replays the same stream. */
  seed: z.number().int().nonnegative().default(0),
  /**
   * How captions are cut into words: 'glimpse' (words, inner apostrophes and hyphens kept) or
   * 'nltk' (NLTK's word_tokenize, as the released VSE++ models' vocabularies were built).
   */
  tokenizer: z.enum(['glimpse', 'nltk']).default('glimpse'),
  /** Longest caption kept, in tokens incl. <start>/<end>; longer ones are truncated (not dropped). */
  maxCaptionLength: z.number().int().min(3).default(64),
});

export type VseConfig = z.infer<typeof VseConfigSchema>;
export type VseConfigInput = z.input<typeof VseConfigSchema>;

/** Width of the joint space the encoders output: every head's embedding side by side. */
export function jointDim(config: Pick<VseConfig, 'embedSize' | 'heads'>): number {
  return config.embedSize * config.heads;
}

export function makeConfig(overrides: VseConfigInput = {}): VseConfig {
  return VseConfigSchema.parse(overrides);
}

/**
 * The train command's flag for each config field a user may set (numLayers is fixed and imgDim
 * comes from the data). A boolean whose default is true is turned off by its `--no-` flag, and
 * `--no-img-norm` sets noImgNorm; each flag's default is printed from the schema.
 */
export const TRAIN_FLAGS: Partial<Record<keyof VseConfig, { flag: string; help: string }>> = {
  wordDim: { flag: '--word-dim <n>', help: 'word embedding size' },
  embedSize: { flag: '--embed-size <n>', help: 'joint space / GRU size (per head)' },
  heads: { flag: '--heads <n>', help: 'encoder pairs whose similarities are averaged, trained together' },
  margin: { flag: '--margin <x>', help: 'hinge margin' },
  maxViolation: { flag: '--no-max-violation', help: 'sum over all negatives (VSE0) instead of the hardest' },
  maxViolationWarmup: { flag: '--max-violation-warmup <n>', help: 'epochs of the sum of hinges before max violation' },
  layerNorm: { flag: '--layer-norm', help: 'layer-normalised GRU' },
  learningRate: { flag: '--lr <x>', help: 'learning rate' },
  lrUpdate: { flag: '--lr-update <n>', help: 'epochs between lr x0.1' },
  gradClip: { flag: '--grad-clip <x>', help: 'gradient norm clip' },
  batchSize: { flag: '--batch-size <n>', help: 'batch size' },
  numEpochs: { flag: '--epochs <n>', help: 'epochs' },
  valStep: { flag: '--val-step <n>', help: 'validate every n steps' },
  vocabThreshold: { flag: '--vocab-threshold <n>', help: 'min word count' },
  finetuneCnn: { flag: '--finetune-cnn', help: 'train the image backbone too' },
  augment: { flag: '--augment', help: 'random resized crop + flip' },
  noImgNorm: { flag: '--no-img-norm', help: 'skip the final image L2 norm' },
  useAbs: { flag: '--abs', help: 'absolute value of embeddings' },
  seed: { flag: '--seed <n>', help: 'random seed' },
  maxCaptionLength: { flag: '--max-caption-length <n>', help: 'longest caption kept, in tokens' },
};
