/**
 * The one typed API contract between Glimpse's core and its front ends: the CLI, the Electron
 * IPC handlers and preload bridge, and web mode's HTTP adapter all speak exactly this. Inputs are
 * zod schemas (validated at every boundary); errors cross as data, never as thrown exceptions.
 *
 * This file must stay free of Node and Electron imports: the renderer reads it too.
 */
import { z } from 'zod';
import type { Metrics, ModelCard, RecallSummary } from './model-card.js';

export type { Metrics, RecallSummary };

const path = z.string().min(1, 'a path is required');

/** The share of the user's labelled photos held out to measure a fine-tune: one value everywhere. */
export const FINETUNE_HELD_OUT = 0.25;
/** The one fine-tuning learning rate (a folder or albums): Adam on the projections, the CNN frozen. */
export const FINETUNE_LEARNING_RATE = 2e-4;
/**
 * The fewest labelled photos and albums a fine-tune can be measured on: 8 held out, from 2 or
 * more albums, and 4 left to learn from. The Fine-tune screen enables Start only above them.
 */
export const FINETUNE_MIN_PHOTOS = 12;
export const FINETUNE_MIN_ALBUMS = 2;

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
  learningRate: z.number().positive().default(FINETUNE_LEARNING_RATE),
  /** Share of the user's images held out for early stopping and the before/after recall. */
  heldOut: z.number().gt(0).lt(1).default(FINETUNE_HELD_OUT),
  patience: z.number().int().positive().default(3),
  batchSize: z.number().int().min(2).default(32),
  seed: z.number().int().nonnegative().default(0),
});

export const BackendInput = z.object({}).default({});

/** A model bundle folder; absent: the adopted model, else the shipped default. */
const model = z.string().min(1).optional();
/** A calendar date that exists (2024-02-30 and 2024-13-45 do not), with an optional time of day. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?$/, 'expected a date like 2024-07-31')
  .refine((s) => {
    const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    const [hh = 0, mm = 0, ss = 0] = s.slice(11).replace('Z', '').split(':').map(Number);
    return (
      day.getUTCFullYear() === y &&
      day.getUTCMonth() === m - 1 &&
      day.getUTCDate() === d &&
      hh < 24 &&
      mm < 60 &&
      ss < 61
    );
  }, 'no such date or time: expected a real date like 2024-07-31');

/**
 * A folder the user names in the app: absolute (or under ~), since the app's working folder means
 * nothing to them. The CLI resolves relative paths against the shell's folder before calling.
 */
const folderPath = path.refine(
  (p) => /^(\/|~([/\\]|$)|[A-Za-z]:[\\/]|\\\\)/.test(p),
  'type the full path of the folder (starting with / or ~, or a drive letter), not a relative one',
);

export const IndexInput = z.object({
  /** Folders to add and index; empty: re-index every library root. */
  folders: z.array(folderPath).default([]),
  model,
});

/** The longest search text: a description, not a document. The search box stops there too. */
export const MAX_QUERY = 1000;

/** A box of latitudes and longitudes (west > east: it crosses the 180th meridian). */
const GeoBox = z
  .object({
    south: z.number().min(-90).max(90),
    west: z.number().min(-180).max(180),
    north: z.number().min(-90).max(90),
    east: z.number().min(-180).max(180),
  })
  .refine((b) => b.south <= b.north, { message: 'south must not be north of north' });

export const SearchFiltersInput = z.object({
  since: isoDate.optional(),
  until: isoDate.optional(),
  folder: path.optional(),
  camera: z.string().min(1).optional(),
  hasGps: z.boolean().optional(),
  /** Only photos the detector tagged with this object class ("dog", "cell phone"). */
  tag: z.string().trim().min(1).max(100).optional(),
  /** Only photos showing this person: their number, or the name the user gave them. */
  person: z.union([z.number().int().positive(), z.string().trim().min(1).max(100)]).optional(),
  /** Only photos taken in this place: a town, a region or a country, by name ("Paris", "Bavaria", "Norway"). */
  place: z.string().trim().min(1).max(100).optional(),
  /** Only photos taken in this year. */
  year: z.number().int().min(1800).max(2200).optional(),
  /** Only photos taken in this town: its GeoNames id, as `places` lists it. */
  town: z.number().int().positive().optional(),
  /** Only photos taken within this box of latitudes and longitudes (a cluster on the map). */
  within: GeoBox.optional(),
});

export const EVIDENCE = ['semantic', 'keywords', 'tags'] as const;
export type Evidence = (typeof EVIDENCE)[number];

export const SearchInput = SearchFiltersInput.extend({
  query: z
    .string()
    .trim()
    .min(1, 'the search text is empty')
    .max(MAX_QUERY, `keep the search under ${MAX_QUERY} characters`),
  limit: z.number().int().min(1).max(1000).default(50),
  offset: z.number().int().min(0).default(0),
  /** Relevance cutoff on the semantic score (cosine similarity). */
  minScore: z.number().min(-1).max(1).optional(),
  /**
   * Which evidence ranks the results (default: all, fused): the model's similarity, word matches
   * in names and text, detected objects. One alone is for measuring each (npm run eval:photos).
   */
  evidence: z.array(z.enum(EVIDENCE)).min(1).optional(),
  model,
});

export const SimilarInput = SearchFiltersInput.extend({
  path,
  limit: z.number().int().min(1).max(1000).default(20),
  offset: z.number().int().min(0).default(0),
  model,
});

/** The text OCR reads in photos (any image file; it need not be in the library). */
export const OcrInput = z.object({ paths: z.array(path).min(1, 'name at least one photo').max(1000) });

export const CaptionInput = z.object({
  paths: z.array(path).min(1, 'name at least one photo'),
  limit: z.number().int().min(1).max(100).default(5),
  /** Replaces the caption bank for this call. */
  bank: z.array(z.string()).min(1).optional(),
  /**
   * False: bank captions ranked by the model's score alone, not raised by naming the photo's
   * detected objects. For measuring each (npm run eval:photos).
   */
  tagRanked: z.boolean().default(true),
  model,
});

export const StatusInput = z.object({ model }).default({});
/** `forget`: also delete the albums' hold on this folder's photos and their captions (asked first). */
export const RemoveRootInput = z.object({ folder: path, forget: z.boolean().default(false) });
/** What "forget this folder's albums and captions" would delete: counted for its confirmation. */
export const FolderUserDataInput = z.object({ folder: path });
export const RebuildIndexInput = z.object({}).default({});

/** Every photo, newest first: the grid when there is no query, and an album's contents. */
export const BrowseInput = SearchFiltersInput.extend({
  album: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(1000).default(200),
  offset: z.number().int().min(0).default(0),
});
export const PhotoInput = z.object({ path, captions: z.number().int().min(1).max(20).default(5) });

const albumName = z.string().trim().min(1, 'the album needs a name').max(200);
const label = z.string().trim().max(500);
const photoIds = z.array(z.number().int().positive()).min(1, 'select at least one photo').max(100_000);
export const AlbumsInput = z.object({}).default({});
export const CreateAlbumInput = z.object({ name: albumName, label: label.default('') });
export const UpdateAlbumInput = z.object({
  id: z.number().int().positive(),
  name: albumName.optional(),
  label: label.optional(),
});
export const DeleteAlbumInput = z.object({ id: z.number().int().positive() });
export const AlbumPhotosInput = z.object({ id: z.number().int().positive(), photos: photoIds });
/** The user's own caption for one photo; empty removes it. */
export const SetCaptionInput = z.object({ path, caption: z.string().trim().max(1000) });

/** Fine-tunes the current model on the chosen albums' photos (label and captions as text). */
export const FinetuneAlbumsInput = z.object({
  albums: z.array(z.number().int().positive()).min(1, 'pick at least one album'),
  epochs: z.number().int().positive().max(200).default(10),
  learningRate: z.number().positive().default(FINETUNE_LEARNING_RATE),
  heldOut: z.number().gt(0).lt(1).default(FINETUNE_HELD_OUT),
  patience: z.number().int().positive().default(5),
  batchSize: z.number().int().min(2).default(32),
  seed: z.number().int().nonnegative().default(0),
});
export const ModelInput = z.object({}).default({});
/** A bundle folder: a fine-tuned candidate to adopt, or one to import. */
export const AdoptModelInput = z.object({ path });
export const DiscardModelInput = z.object({ path });
/** Back to the shipped default model; the adopted one stays listed. */
export const RevertModelInput = z.object({}).default({});
export const ExportModelInput = z.object({ to: path });
/**
 * A model the VSE++ authors released: a run's `model_best.pth.tar` (runs.tar) and its data's
 * vocabulary pickle (vocab.tar). It becomes a candidate bundle, then the current model.
 */
/** A CLIP model exported to ONNX, in the layout Immich's machine-learning service uses. */
export const ImportOnnxInput = z.object({ path, name: z.string().trim().min(1).max(100).optional() });
export const ImportVseppInput = z.object({
  checkpoint: path,
  vocab: path,
  name: z.string().trim().min(1).max(100).optional(),
});
export const JobsInput = z.object({}).default({});
export const CancelJobInput = z.object({ id: z.string().min(1) });
export const SettingsInput = z.object({}).default({});
export const UpdateSettingsInput = z.object({
  thumbnailSize: z.number().int().min(80).max(480).optional(),
  ocr: z.boolean().optional(),
  faces: z.boolean().optional(),
});
const personId = z.number().int().positive();
/** A person's name as the user gives it; null (or empty) forgets it. */
export const UpdatePersonInput = z
  .object({
    id: personId,
    name: z
      .string()
      .trim()
      .max(100)
      .nullable()
      .transform((n) => n || null)
      .optional(),
    /** Hidden people are left out of the people list (their faces stay, to keep them apart). */
    hidden: z.boolean().optional(),
  })
  .refine((u) => u.name !== undefined || u.hidden !== undefined, {
    message: 'nothing to change: give a name or hidden',
  });
export const PeopleInput = z.object({ hidden: z.boolean().default(false) }).default({ hidden: false });
const faceId = z.number().int().positive();
/** A person's faces, largest first (the person page's strip, where the cover is chosen). */
export const PersonFacesInput = z.object({ id: personId, limit: z.number().int().min(1).max(500).default(60) });
/**
 * The user's word on one face: it is person `person` (an id, or a name: someone already named so,
 * else a new person of that name), or null: it is not the person it is with ("Not Anna").
 */
export const AssignFaceInput = z.object({
  face: faceId,
  person: z.union([personId, z.string().trim().min(1).max(100)]).nullable(),
});
export const SetCoverInput = z.object({ id: personId, face: faceId });
export const RegroupPeopleInput = z.object({}).default({});
export const PlacesInput = z
  .object({
    /** Only this country, by ISO code. */
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter ISO country code')
      .optional(),
    /** At most this many towns a country, the most photographed (`townCount` says how many in all). */
    towns: z.number().int().min(1).max(1_000_000).optional(),
  })
  .default({});
export const TimelineInput = z.object({}).default({});
/** Positions for the map at one zoom: gathered into cells of `cell` degrees, within `box` if given. */
export const MapPointsInput = z
  .object({
    cell: z.number().min(0.001).max(90).default(2),
    box: GeoBox.optional(),
  })
  .default({ cell: 2 });
/** `from`'s faces become `into`'s. */
export const MergePeopleInput = z
  .object({ into: personId, from: personId })
  .refine((m) => m.into !== m.from, { message: 'a person can only be merged with another person' });
/** Shows a library file (a photo or a failed file) in the system's file manager. */
export const RevealInput = z.object({ path });

export interface SkipSummary {
  total: number;
  reasons: { reason: string; count: number; examples: string[] }[];
}

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
  /**
   * rsum after − before on the held-out photos, with a 95% bootstrap interval over them;
   * `distinguishable` is false when the interval holds zero (the gain may be luck). Null if
   * the run was interrupted.
   */
  gain: { gain: number; low: number; high: number; distinguishable: boolean } | null;
  /**
   * Other searches of the library (its photos outside the chosen albums, by their detected
   * objects: "a dog") measured with the old and the new model. Null where there are too few.
   */
  libraryQueries: { images: number; queries: number; before: RecallSummary; after: RecallSummary | null } | null;
  skipped: SkipSummary;
}

export interface PhotoIssue {
  path: string;
  reason: string;
  detail: string | null;
}

export interface IndexOutput {
  backend: string;
  /** What ran the image backbone, e.g. "onnxruntime cpu, 2 threads". */
  imageRuntime: string;
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
  /** The whole call, as the user waited for it: from the request to the answer. */
  seconds: number;
  /** Where that time went, in seconds (a stage that did not run is absent). */
  stages: IndexStages;
}

export interface IndexStages {
  /** Loading the model (only the first call in a process pays it). */
  model?: number;
  /** Waiting for another indexer of the same library to finish. */
  waiting?: number;
  /** Finding, decoding and embedding the photos. */
  photos?: number;
  /** Placing geotagged photos in their towns and countries. */
  places?: number;
  /** Embedding the caption bank (a new model's first run) and captioning the photos. */
  captions?: number;
  /** Finding faces and grouping them into people (where faces are on). */
  faces?: number;
  /** Reading the text in the photos. */
  text?: number;
}

/** What a query was read as: each place and date with the words it came from, and notes. */
export interface SearchReading {
  places: { label: string; words: string }[];
  dates: { label: string; words: string }[];
  /** Readings left out, and why ("“Springfield” could be several places…"). */
  notes: string[];
}
/** Photos by the month they were taken in (the camera's clock), newest first. */
export interface TimelineOutput {
  months: { month: string; photos: number }[];
  /** Photos with no date of their own. */
  undated: number;
}
export interface PlacesOutput {
  countries: {
    code: string;
    name: string;
    photos: number;
    /** `region`: its state or province, where GeoNames names one. */
    towns: { id: number; name: string; region: string | null; photos: number }[];
    /** Towns with photos in all (`towns` may list only the first). */
    townCount: number;
  }[];
}

/** `thumb` is the content hash that names the photo's cached thumbnail. */
export interface SearchResult {
  id: number;
  path: string;
  thumb: string;
  /** The photo described in words, for alt text: the user's caption, else a confident auto-caption. */
  caption?: string | null;
  score: number;
  keyword: boolean;
  /** The detected object a query word named ("dog" for "puppy"), when that found the photo. */
  tag?: string;
  /** The photo's own text (OCR) the query's words matched, e.g. "DEAD END". */
  text?: string;
}
export interface SearchOutput {
  backend: string;
  model: string;
  query: string;
  results: SearchResult[];
  /**
   * Query words the model's vocabulary lacks: each replaced by its nearest WordNet relative that
   * it has, or else by the known words of its WordNet definition, or unknown (read as <unk>).
   */
  words: {
    word: string;
    mapped?: { to: string; via: 'form' | 'synonym' | 'hypernym' | 'hyponym' | 'definition' };
    unknown?: boolean;
  }[];
  /**
   * No result is a keyword or tag match and none scores above the model's good-match floor: the
   * results are only the closest photos, and front ends say so.
   */
  weak: boolean;
  /**
   * The people the search is limited to: the `person` filter, and names the user gave people
   * read from the query ("Anna at the beach": Anna's photos, ranked by "at the beach").
   */
  people: { id: number; name: string | null }[];
  /** Places and dates read from the query, as filters (the rest of it was searched). */
  reading: SearchReading;
}
export interface SimilarOutput {
  backend: string;
  model: string;
  path: string;
  results: Omit<SearchResult, 'keyword' | 'tag'>[];
}
/**
 * A caption of a photo: built from its detected objects ('tags') or retrieved from the caption
 * bank ('bank'); `confident` is false for a bank caption the model scores below its floor, which
 * the app does not show as the photo's caption.
 */
export interface CaptionItem {
  text: string;
  score: number;
  source: 'tags' | 'bank';
  confident: boolean;
  /** The objects detected in the photo that a bank caption names ("dog, person ×2"), which rank it up. */
  tag?: string;
}
export interface CaptionOutput {
  backend: string;
  model: string;
  photos: { path: string; captions: CaptionItem[] }[];
}
export interface StatusOutput {
  backend: string;
  imageRuntime: string;
  model: string;
  dataDir: string;
  roots: string[];
  counts: {
    photos: number;
    embedded: number;
    stale: number;
    failures: number;
    warnings: number;
    tagged: number;
    /** Photos with text read in them by the current OCR model. */
    withText: number;
  };
  /** 'on', or why OCR is off (the setting, or onnxruntime missing). */
  ocr: string;
  /** How changes in the library's folders are followed ("watching 3 folders for changes"), or 'off'. */
  watching: string;
  /**
   * A model switch under way: search answers with the previous model (`from`, whose vectors cover
   * `searchable` photos) until the current one has embedded them all; null when none is.
   */
  switching: { from: string; fromDir: string; searchable: number } | null;
  failures: (PhotoIssue & { severity: string })[];
}

export interface PhotoSummary {
  id: number;
  path: string;
  thumb: string;
  /** The photo described in words, for alt text: the user's caption, else a confident auto-caption. */
  caption?: string | null;
  name: string;
  takenAt: string | null;
}
export interface BrowseOutput {
  total: number;
  photos: PhotoSummary[];
}
export interface PhotoOutput extends PhotoSummary {
  folder: string;
  width: number | null;
  height: number | null;
  format: string | null;
  size: number;
  camera: string | null;
  gps: { lat: number; lon: number } | null;
  /**
   * When it was taken and how that is known: `at` is the camera clock's time (ISO, read as UTC);
   * `source` says from where; a file's date (no date in the photo) is `uncertain`.
   */
  taken: {
    at: string | null;
    source: 'exif' | 'exif-digitized' | 'xmp' | 'exif-modified' | 'file' | null;
    offset: string | null;
    uncertain: boolean;
  };
  /** The town and country it was taken in (from its GPS position), or null. */
  /** The town, its region (state, province) where known, and the country. */
  place: { city: string; region: string | null; country: string } | null;
  title: string | null;
  description: string | null;
  keywords: string | null;
  userCaption: string | null;
  captions: CaptionItem[];
  /** Objects the model's detector found, most confident first (none for a model without one). */
  tags: { label: string; confidence: number; count: number; area?: number }[];
  /** Text read in the photo (OCR), line by line, with boxes in the photo's pixels. */
  text: { text: string; confidence: number; box: [number, number][] }[];
  /** Faces found in the photo (where faces are on), left to right. */
  faces: FaceInfo[];
  albums: { id: number; name: string }[];
}
export interface Album {
  id: number;
  name: string;
  label: string;
  count: number;
  cover: string | null;
  createdAt: string;
}
export interface AlbumsOutput {
  albums: Album[];
}
/** The current model: its card (model-card.ts) with where it lives and what runs it. */
export type ModelKind = 'glimpse-vse' | 'vsepp-released' | 'onnx-clip';
export type ModelOutput = Pick<ModelCard, 'name' | 'description' | 'trainingData' | 'recall' | 'notes'> & {
  id: string;
  dir: string;
  /** The shipped default, rather than a model the user adopted. */
  builtIn: boolean;
  /** 'glimpse-vse' (trained by Glimpse), 'vsepp-released' (the VSE++ authors' run) or 'onnx-clip' (a CLIP model). */
  kind: ModelKind;
  createdAt: string;
  backend: string;
  gpu: boolean;
  /** Width of the stored vectors (every head's embedding side by side). */
  embedSize: number;
  backbone: string | null;
  finetune: NonNullable<ModelCard['finetune']> | null;
  training: NonNullable<ModelCard['training']> | null;
  /** Fine-tuned models waiting to be adopted or discarded. */
  candidates: { path: string; id: string; createdAt: string }[];
};
export interface JobInfo {
  id: string;
  kind: string;
  title: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: Progress | null;
  startedAt: string;
  endedAt: string | null;
  error: ApiError | null;
  /** One line on what the job did, when it finished. */
  summary: string | null;
}
export interface JobsOutput {
  jobs: JobInfo[];
}
export interface SettingsOutput {
  dataDir: string;
  roots: string[];
  thumbnailSize: number;
  /** Read the text in photos while indexing (on by default). */
  ocr: boolean;
  /** Find faces and group them into people while indexing (on by default). */
  faces: boolean;
}

export interface PersonInfo {
  id: number;
  /** The user's name for them; null until named. */
  name: string | null;
  hidden: boolean;
  faces: number;
  photos: number;
  /** The cover face's crop, a thumbnail name (`/thumbs/<cover>.webp`); null without one. */
  cover: string | null;
}
/** A face found in a photo: its box in the photo's pixels, its crop, and who it is (if grouped). */
export interface FaceInfo {
  id: number;
  box: [number, number, number, number];
  thumb: string | null;
  person: { id: number; name: string | null } | null;
}
export interface PersonFacesOutput {
  person: PersonInfo;
  faces: (FaceInfo & { path: string })[];
}
export interface RegroupOutput {
  people: number;
  faces: number;
}
export interface PeopleOutput {
  /** Whether faces are found while indexing (Settings). */
  faces: boolean;
  people: PersonInfo[];
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
  /** The job this progress belongs to: cancel it with cancelJob. */
  job?: string;
}

export const ERROR_CODES = [
  'invalid-input',
  'not-found',
  'bad-bundle',
  'bad-data',
  /** The library database is damaged: `rebuildIndex` starts a new one from the user-data backup. */
  'damaged-library',
  'cancelled',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export interface ApiError {
  code: ErrorCode;
  message: string;
}
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
  ocr: OcrInput,
  status: StatusInput,
  removeRoot: RemoveRootInput,
  folderUserData: FolderUserDataInput,
  rebuildIndex: RebuildIndexInput,
  browse: BrowseInput,
  photo: PhotoInput,
  albums: AlbumsInput,
  createAlbum: CreateAlbumInput,
  updateAlbum: UpdateAlbumInput,
  deleteAlbum: DeleteAlbumInput,
  addToAlbum: AlbumPhotosInput,
  removeFromAlbum: AlbumPhotosInput,
  setCaption: SetCaptionInput,
  finetuneAlbums: FinetuneAlbumsInput,
  model: ModelInput,
  adoptModel: AdoptModelInput,
  discardModel: DiscardModelInput,
  revertModel: RevertModelInput,
  exportModel: ExportModelInput,
  importModel: AdoptModelInput,
  importVsepp: ImportVseppInput,
  importOnnx: ImportOnnxInput,
  jobs: JobsInput,
  cancelJob: CancelJobInput,
  settings: SettingsInput,
  updateSettings: UpdateSettingsInput,
  reveal: RevealInput,
  people: PeopleInput,
  updatePerson: UpdatePersonInput,
  mergePeople: MergePeopleInput,
  personFaces: PersonFacesInput,
  assignFace: AssignFaceInput,
  setCover: SetCoverInput,
  regroupPeople: RegroupPeopleInput,
  places: PlacesInput,
  timeline: TimelineInput,
  mapPoints: MapPointsInput,
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
  ocr: OcrOutput;
  status: StatusOutput;
  removeRoot: { removed: boolean; forgotten: FolderUserData };
  folderUserData: FolderUserData;
  rebuildIndex: RebuildOutput;
  browse: BrowseOutput;
  photo: PhotoOutput;
  albums: AlbumsOutput;
  createAlbum: Album;
  updateAlbum: Album;
  deleteAlbum: { deleted: boolean };
  addToAlbum: Album;
  removeFromAlbum: Album;
  setCaption: { path: string; caption: string | null };
  finetuneAlbums: FinetuneOutput;
  model: ModelOutput;
  /** `reembedJob`: the background job that re-embeds the library with the adopted model. */
  adoptModel: { model: string; reembedJob: string | null };
  discardModel: { discarded: boolean };
  revertModel: { model: string; reembedJob: string | null };
  exportModel: { to: string; model: string };
  importModel: { model: string; reembedJob: string | null };
  /** `path`: where the imported model now is (the current model's folder). */
  importVsepp: { model: string; reembedJob: string | null; path: string };
  importOnnx: { model: string; reembedJob: string | null; path: string };
  jobs: JobsOutput;
  cancelJob: { cancelled: boolean };
  settings: SettingsOutput;
  updateSettings: SettingsOutput;
  reveal: { path: string };
  people: PeopleOutput;
  updatePerson: PersonInfo;
  mergePeople: PersonInfo;
  personFaces: PersonFacesOutput;
  assignFace: { face: FaceInfo; person: PersonInfo };
  setCover: PersonInfo;
  regroupPeople: RegroupOutput;
  places: PlacesOutput;
  timeline: TimelineOutput;
  /** Where the geotagged photos are: flat triples of latitude, longitude and photos there (to about 1 km). */
  /** Per cell: mean latitude and longitude, photos, and their box (south, west, north, east). */
  mapPoints: { cells: number[] };
}

/** The user's work tied to a folder's photos: album memberships and their own captions. */
export interface FolderUserData {
  albumPhotos: number;
  captions: number;
}

/** A rebuilt library: where the old database went and what the new one starts with. */
export interface RebuildOutput {
  /** The old database, kept (renamed) beside the new one; null when there was none. */
  movedAside: string | null;
  /** The backup the user's work came from: 'the old database' when it could still be read. */
  restoredFrom: string | null;
  roots: string[];
  albums: number;
  albumPhotos: number;
  captions: number;
}

/** Lines of text read in each photo, with their boxes (corners clockwise from the top-left). */
export interface OcrOutput {
  /** The OCR models' id (the package and version). */
  model: string;
  photos: {
    path: string;
    lines: { text: string; confidence: number; box: [number, number][] }[];
    /** Why this photo could not be read, when it could not. */
    error?: string;
  }[];
}

/** Desktop-only extras the Electron preload adds beside the contract (web mode has none). */
export interface DesktopBridge {
  pickFolder(): Promise<string | null>;
}
export type Input<K extends MethodName> = z.input<(typeof methods)[K]>;
export type ParsedInput<K extends MethodName> = z.output<(typeof methods)[K]>;

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export type GlimpseApi = { [K in MethodName]: (input: Input<K>, opts?: CallOptions) => Promise<Result<Outputs[K]>> };

/** A GlimpseApi whose every method goes through one `call` (HTTP, a worker port, the core). */
export function apiFrom(
  call: (method: MethodName, input: unknown, opts?: CallOptions) => Promise<Result<unknown>>,
): GlimpseApi {
  const api = {} as Record<MethodName, unknown>;
  for (const name of Object.keys(methods) as MethodName[])
    api[name] = (input: unknown, opts?: CallOptions) => call(name, input, opts);
  return api as unknown as GlimpseApi;
}

/** Validates an input against its method's schema; the message names the field at fault. */
export function parseInput<K extends MethodName>(method: K, input: unknown): Result<ParsedInput<K>> {
  const r = methods[method].safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data as ParsedInput<K> };
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'input';
  return { ok: false, error: { code: 'invalid-input', message: `${method}: ${where}: ${issue.message}` } };
}
