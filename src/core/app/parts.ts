/**
 * The parts of the app that need a model, built once per loaded model over the one store: the
 * index pipeline, the searcher and the caption bank. Tests build them the same way on temp dirs.
 */
import { join } from 'node:path';
import type { ModelKind } from '../../shared/contract.js';
import type { LibraryStore } from '../store/store.js';
import type { Embedder } from '../runtime/embedder.js';
import type { OcrReader } from '../ocr/reader.js';
import type { FaceReader } from '../faces/reader.js';
import type { Gazetteer } from '../places/gazetteer.js';
import { CaptionBank } from '../captions/captions.js';
import { Searcher } from '../search/search.js';
import { IndexPipeline } from '../indexing/pipeline.js';

export interface ModelParts {
  readonly store: LibraryStore;
  readonly embedder: Embedder;
  readonly dataDir: string;
  readonly pipeline: IndexPipeline;
  readonly searcher: Searcher;
  readonly captions: CaptionBank;
  /** Releases the caption bank's tensors; the store and the model stay with their owners. */
  dispose(): void;
}

export interface PartsDeps {
  store: LibraryStore;
  embedder: Embedder;
  dataDir: string;
  ocr?: () => Promise<OcrReader | null>;
  faces?: () => Promise<FaceReader | null>;
  /** The gazetteer photos' GPS positions are placed with (loaded on first use). */
  places?: () => Gazetteer;
  /** Told when indexing changed the library (other searchers' caches go stale too). */
  onChange?: () => void;
  /** The model's kind (its floors depend on it); default: a Glimpse-trained model. */
  kind?: ModelKind;
  /** Where other libraries' embedded caption banks may be found (and this one's kept); none: null. */
  sharedCache?: string | null;
}

export function assembleParts({
  store,
  embedder,
  dataDir,
  ocr,
  faces,
  places,
  onChange,
  kind,
  sharedCache,
}: PartsDeps): ModelParts {
  const searcher = new Searcher(store, embedder);
  const captions = new CaptionBank(store, embedder, undefined, join(dataDir, 'cache'), kind, sharedCache);
  const pipeline = new IndexPipeline({
    store,
    embedder,
    dataDir,
    captions,
    ocr,
    faces,
    places,
    onChange: onChange ?? (() => searcher.invalidate()),
  });
  return { store, embedder, dataDir, pipeline, searcher, captions, dispose: () => captions.dispose() };
}
