/**
 * The one typed API contract between Glimpse's core and its front ends: the CLI, the Electron
 * IPC handlers and preload bridge, and web mode's HTTP adapter all speak exactly this. Inputs are
 * zod schemas (validated at every boundary); errors cross as data, never as thrown exceptions.
 *
 * This file must stay free of Node and Electron imports: the renderer reads it too.
 */
import { z } from 'zod';

const path = z.string().min(1, 'a path is required');

/** Config overrides by name; the core checks them against the full VSE++ config schema. */
const configOverrides = z.record(z.string(), z.union([z.number(), z.boolean()])).default({});

export const TrainInput = z.object({
  /** Karpathy-split JSON, a vsepp precomp folder, or an image folder with captions. */
  data: path,
  /** Images folder for Karpathy JSON. */
  images: path.optional(),
  /** The bundle folder to write. */
  out: path,
  /** "tiny-cnn", a bundle folder whose backbone to reuse, or none for precomputed features. */
  backbone: z.string().min(1).optional(),
  config: configOverrides,
  resume: z.boolean().default(false),
  float16: z.boolean().default(false),
  name: z.string().default('Glimpse VSE++ model'),
});

export const EvalInput = z.object({
  data: path,
  images: path.optional(),
  model: path,
  split: z.string().default('test'),
  fold5: z.boolean().default(false),
});

export const FinetuneInput = z.object({
  model: path,
  /** A folder of the user's labelled photos: sidecar captions or album folders. */
  data: path,
  out: path,
  epochs: z.number().int().positive().default(10),
  learningRate: z.number().positive().default(2e-5),
  /** Share of the user's images held out for early stopping and the before/after recall. */
  heldOut: z.number().gt(0).lt(1).default(0.2),
  patience: z.number().int().positive().default(3),
  batchSize: z.number().int().min(2).default(32),
  seed: z.number().int().nonnegative().default(0),
});

export const BackendInput = z.object({}).default({});

/** A model bundle folder; absent: the adopted model, else the shipped default. */
const model = z.string().min(1).optional();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/, 'expected a date like 2024-07-31');

export const IndexInput = z.object({
  /** Folders to add and index; empty: re-index every library root. */
  folders: z.array(path).default([]),
  model,
});

export const SearchFiltersInput = z.object({
  since: isoDate.optional(),
  until: isoDate.optional(),
  folder: path.optional(),
  camera: z.string().min(1).optional(),
  hasGps: z.boolean().optional(),
});

export const SearchInput = SearchFiltersInput.extend({
  query: z.string().trim().min(1, 'the search text is empty').max(1000),
  limit: z.number().int().min(1).max(1000).default(50),
  offset: z.number().int().min(0).default(0),
  /** Relevance cutoff on the semantic score (cosine similarity). */
  minScore: z.number().min(-1).max(1).optional(),
  model,
});

export const SimilarInput = SearchFiltersInput.extend({
  path,
  limit: z.number().int().min(1).max(1000).default(20),
  offset: z.number().int().min(0).default(0),
  model,
});

export const CaptionInput = z.object({
  paths: z.array(path).min(1, 'name at least one photo'),
  limit: z.number().int().min(1).max(100).default(5),
  /** Replaces the caption bank for this call. */
  bank: z.array(z.string()).min(1).optional(),
  model,
});

export const StatusInput = z.object({ model }).default({});
export const RemoveRootInput = z.object({ folder: path });

export interface Metrics { r1: number; r5: number; r10: number; medr: number; meanr: number }
export interface RecallSummary { i2t: Metrics; t2i: Metrics; rsum: number }
export interface SkipSummary { total: number; reasons: { reason: string; count: number; examples: string[] }[] }

export interface BackendOutput {
  backend: string;
  gpu: boolean;
  skipped: { name: string; reason: string }[];
}

export interface TrainOutput {
  backend: string;
  status: 'completed' | 'interrupted' | 'early-stopped';
  out: string;
  modelId: string | null;
  steps: number;
  epochs: number;
  seconds: number;
  best: { rsum: number; step: number; metrics: RecallSummary | null };
  logPath: string;
  skipped: { train: SkipSummary; val: SkipSummary };
}

export interface EvalOutput {
  backend: string;
  modelId: string;
  split: string;
  fold5: boolean;
  images: number;
  captions: number;
  metrics: RecallSummary;
  skipped: SkipSummary;
}

export interface FinetuneOutput {
  backend: string;
  status: 'completed' | 'interrupted' | 'early-stopped';
  out: string;
  modelId: string | null;
  from: string;
  pairs: number;
  heldOutImages: number;
  newWords: number;
  before: RecallSummary;
  after: RecallSummary | null;
  skipped: SkipSummary;
}

export interface PhotoIssue { path: string; reason: string; detail: string | null }

export interface IndexOutput {
  backend: string;
  model: string;
  roots: string[];
  scanned: number;
  indexed: number;
  unchanged: number;
  moved: number;
  removed: number;
  reembedded: number;
  failed: number;
  skipped: number;
  failures: PhotoIssue[];
  warnings: PhotoIssue[];
  cancelled: boolean;
  seconds: number;
}

export interface SearchResult { path: string; score: number; keyword: boolean }
export interface SearchOutput { backend: string; model: string; query: string; results: SearchResult[] }
export interface SimilarOutput { backend: string; model: string; path: string; results: { path: string; score: number }[] }
export interface CaptionOutput { backend: string; model: string; photos: { path: string; captions: { text: string; score: number }[] }[] }
export interface StatusOutput {
  backend: string;
  model: string;
  dataDir: string;
  roots: string[];
  counts: { photos: number; embedded: number; stale: number; failures: number; warnings: number };
  failures: (PhotoIssue & { severity: string })[];
}

/** Progress of long work, streamed to whichever front end asked. */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  /** Seconds; null while unknown. */
  eta: number | null;
  message?: string;
  loss?: number;
}

export const ERROR_CODES = ['invalid-input', 'not-found', 'bad-bundle', 'bad-data', 'cancelled', 'unavailable', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export interface ApiError { code: ErrorCode; message: string }
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Every method: its input schema; outputs are the interfaces above. */
export const methods = {
  backend: BackendInput,
  train: TrainInput,
  evaluate: EvalInput,
  finetune: FinetuneInput,
  index: IndexInput,
  search: SearchInput,
  similar: SimilarInput,
  caption: CaptionInput,
  status: StatusInput,
  removeRoot: RemoveRootInput,
} as const;

export type MethodName = keyof typeof methods;
export interface Outputs {
  backend: BackendOutput;
  train: TrainOutput;
  evaluate: EvalOutput;
  finetune: FinetuneOutput;
  index: IndexOutput;
  search: SearchOutput;
  similar: SimilarOutput;
  caption: CaptionOutput;
  status: StatusOutput;
  removeRoot: { removed: boolean };
}
export type Input<K extends MethodName> = z.input<(typeof methods)[K]>;
export type ParsedInput<K extends MethodName> = z.output<(typeof methods)[K]>;

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export type GlimpseApi = { [K in MethodName]: (input: Input<K>, opts?: CallOptions) => Promise<Result<Outputs[K]>> };

/** Validates an input against its method's schema; the message names the field at fault. */
export function parseInput<K extends MethodName>(method: K, input: unknown): Result<ParsedInput<K>> {
  const r = methods[method].safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data as ParsedInput<K> };
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'input';
  return { ok: false, error: { code: 'invalid-input', message: `${method}: ${where}: ${issue.message}` } };
}
