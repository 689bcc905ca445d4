/**
 * Search over the library: a text query is embedded by the sentence encoder and ranked by cosine
 * similarity (sqlite-vec's vec_distance_cosine over the current model's vectors), with filters
 * in the same SQL. Exact words in file names, folders or the photos' own text come from FTS5 and
 * are fused with the semantic ranking by reciprocal-rank fusion, so a word in a caption or a file
 * name finds the photo even where the model is weak.
 */
import type { LibraryStore, SearchFilters } from '../store/store.js';
import type { ScoredPhoto } from '../store/search-store.js';
import type { Embedder } from '../runtime/embedder.js';
import { tokenize } from '../language/tokenizer.js';
import { VectorIndex, rerank } from './vector-index.js';
import type { TagMatch } from '../tags/tag-words.js';
import { mapQuery, type WordNote } from '../language/query-words.js';
import { satisfies } from '../language/count-words.js';
import { contentWords, namedTags, shownTag, tagWeight } from '../tags/tag-evidence.js';
import { GOOD_MATCH } from '../captions/floors.js';

export type { SearchFilters };

export interface SearchOptions extends SearchFilters {
  limit?: number;
  offset?: number;
  /** Semantic hits below this cosine similarity are dropped (keyword hits are kept). */
  minScore?: number;
  /** The kinds of evidence fused into the ranking (default: all three). */
  evidence?: readonly ('semantic' | 'keywords' | 'tags')[];
}

export interface SearchHit {
  id: number;
  path: string;
  /** Content hash: the thumbnail's name. */
  hash: string;
  /** Cosine similarity to the query (semantic score), -1…1. */
  score: number;
  /** True when the query's words matched the name, folder or the photo's own text. */
  keyword: boolean;
  /** The detector's tags the query's words named (through WordNet), comma-separated, when they found the photo. */
  tag?: string;
  /** The photo's own text (OCR) that the query's words matched, e.g. "DEAD END". */
  text?: string;
  /** The fused rank score that orders results. */
  fused: number;
}

export { GOOD_MATCH };

/**
 * True when no hit is a keyword or tag match and none scores a good match: above `goodMatch`, the
 * model's floor (floors.ts; the shipped model's is under the scores of right drawings of simple
 * shapes). Wrong photos can score above it, so the UI says "no good match" only as a hint
 * (docs/MODEL.md, known limits).
 */
export function isWeak(hits: SearchHit[], goodMatch = GOOD_MATCH): boolean {
  return hits.length > 0 && hits.every((h) => !h.keyword && h.tag === undefined && h.score < goodMatch);
}

/** Words shorter than this match whole words only in keyword search, never as prefixes. */
const MIN_PREFIX = 4;

/**
 * A query word as an FTS5 term. Short words match whole words only: "a" or "in" as a prefix
 * matches nearly every text.
 */
function ftsTerm(w: string): string {
  return `"${w.replace(/"/g, '""')}"${w.length >= MIN_PREFIX ? '*' : ''}`;
}

/** RRF's constant (Cormack et al. 2009): damps the weight of the very top ranks. */
const RRF_K = 60;

export class Searcher {
  constructor(
    private readonly store: LibraryStore,
    private readonly embedder: Embedder,
  ) {}

  private index: VectorIndex | null = null;

  /** Call after the library's vectors change; the next search rebuilds the in-memory index. */
  invalidate(): void {
    this.index = null;
  }

  private vectorIndex(): VectorIndex {
    if (this.index) return this.index;
    const idx = new VectorIndex(this.embedder.dim);
    for (const row of this.store.search.vectors(this.embedder.id)) idx.add(row.id, row.vector);
    this.index = idx;
    return idx;
  }

  /** Nearest photos to a vector, best first, with filters; `exclude` drops one photo (itself). */
  nearest(vector: Float32Array, opts: SearchOptions & { exclude?: number }, k: number): ScoredPhoto[] {
    const min = opts.minScore ?? -2;
    if (!hasFilters(opts)) {
      // No filters: the two-stage in-memory index (sign bits, then exact re-rank from SQLite).
      // The shortlist grows with the library, so recall of the exact top-k holds as it grows.
      const index = this.vectorIndex();
      const ids = index.shortlist(vector, Math.max(500, 4 * k, Math.ceil(index.size / 500)), opts.exclude ?? -1);
      const cands = this.store.search.candidates(ids, this.embedder.id);
      const byId = new Map(cands.map((c) => [c.id, c]));
      return rerank(vector, cands, k)
        .filter((h) => h.score >= min)
        .map((h) => ({ id: h.id, path: byId.get(h.id)!.path, hash: byId.get(h.id)!.hash, score: h.score }));
    }
    return this.store.search.nearest(vector, this.embedder.id, { ...opts, minScore: min }, k);
  }

  /**
   * FTS5 matches for the query's words: photos matching every word first, then any word, each
   * tier by bm25. `all` marks the first tier.
   */
  keywordHits(
    query: string,
    opts: SearchFilters,
    k: number,
  ): { id: number; path: string; hash: string; all: boolean }[] {
    const words = contentWords(query);
    if (words.length === 0) return [];
    const terms = words.map(ftsTerm);
    const every = this.store.search.keyword(terms.join(' AND '), opts, k);
    const seen = new Set(every.map((h) => h.id));
    // Some of the words: only in the photo's own text (title, description, keywords, the user's
    // caption). A file or folder name sharing one word ("Space/" for "a space suit") says little.
    const any =
      words.length > 1
        ? this.store.search.keyword(`text : (${terms.join(' OR ')})`, opts, k).filter((h) => !seen.has(h.id))
        : [];
    return [...every.map((h) => ({ ...h, all: true })), ...any.map((h) => ({ ...h, all: false }))].slice(0, k);
  }

  /**
   * Photos whose text (read by OCR) holds any of the query's words, best first, each with the
   * lines that matched: a sign, a menu or a page found by a word on it.
   */
  textHits(query: string, opts: SearchFilters, k: number): { id: number; path: string; hash: string; lines: string }[] {
    const words = contentWords(query);
    if (words.length === 0) return [];
    const terms = words.map(ftsTerm);
    const matchesWord = (line: string) => {
      const lw = tokenize(line);
      return words.some((w) => lw.some((t) => (w.length >= MIN_PREFIX ? t.startsWith(w) : t === w)));
    };
    return this.store.text.matches(terms.join(' OR '), opts, k).map((h) => {
      const shown = h.lines
        .map((l) => l.text)
        .filter(matchesWord)
        .join(' · ');
      return { ...h, lines: shown.length > 60 ? `${shown.slice(0, 59)}…` : shown };
    });
  }

  /**
   * Photos the detector tagged with a class a query word names (WordNet: the class, a kind of
   * it, or a category it belongs to), most confident first.
   */
  tagHits(
    query: string,
    opts: SearchFilters,
    k: number,
  ): {
    id: number;
    path: string;
    hash: string;
    label: string;
    via: TagMatch['via'];
    count: number;
    counted?: boolean;
  }[] {
    const matches = namedTags(query);
    if (matches.size === 0) return [];
    // Where the query asks how many, the photos with that many come first ("two people": the
    // photos with two, then those with one or a crowd), then by confidence.
    const wanted = new Map([...matches].flatMap(([label, m]) => (m.wanted ? [[label, m.wanted] as const] : [])));
    return this.store.search.tagged([...matches.keys()], this.embedder.id, opts, k, wanted).map((h) => {
      const w = wanted.get(h.label);
      return { ...h, via: matches.get(h.label)!.via, ...(w ? { counted: satisfies(h.count, w) } : {}) };
    });
  }

  /** The query as the encoder reads it (unknown words mapped through WordNet), with notes. */
  readQuery(query: string): { text: string; notes: WordNote[] } {
    const knows = this.embedder.knows;
    return knows ? mapQuery(query, (w) => knows(w), { definitions: true }) : { text: query, notes: [] };
  }

  async search(query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    return (await this.searchExplained(query, opts)).hits;
  }

  async searchExplained(query: string, opts: SearchOptions = {}): Promise<{ hits: SearchHit[]; words: WordNote[] }> {
    const limit = opts.limit ?? 50;
    const offset = opts.offset ?? 0;
    const depth = offset + limit;
    const read = this.readQuery(query);
    const q = await this.embedder.embedTexts([read.text]);
    // Semantic ranks are taken without the cutoff so keyword hits still get their semantic score.
    const use = new Set(opts.evidence ?? ['semantic', 'keywords', 'tags']);
    // A query of words the model has never seen ("zzqx blorf") reaches it as <unk>s: its nearest
    // photos mean nothing, so only keyword and tag matches may answer it (with filters, the
    // filtered photos still answer: the user asked for those).
    const unknown = new Set(read.notes.filter((n) => n.unknown).map((n) => n.word));
    const words = contentWords(query);
    const blind = !hasFilters(opts) && words.length > 0 && words.every((w) => unknown.has(w));
    const semantic =
      use.has('semantic') && !blind ? this.nearest(q, { ...opts, minScore: undefined }, Math.max(depth * 2, 100)) : [];
    const keyword = use.has('keywords') ? this.keywordHits(query, opts, Math.max(depth * 2, 100)) : [];
    const hits = new Map<number, SearchHit>();
    semantic.forEach((h, r) => hits.set(h.id, { ...h, keyword: false, fused: 1 / (RRF_K + r + 1) }));
    const missing: number[] = [];
    /** Adds a keyword or tag vote to the photo's hit, making one (scored below) if it has none. */
    const vote = (h: { id: number; path: string; hash: string }, weight: number, mark: (hit: SearchHit) => void) => {
      let hit = hits.get(h.id);
      if (!hit) {
        hit = { id: h.id, path: h.path, hash: h.hash, score: NaN, keyword: false, fused: 0 };
        hits.set(h.id, hit);
        missing.push(h.id);
      }
      hit.fused += weight;
      mark(hit);
    };
    // A photo whose name or text holds every word of the query is strong evidence, whatever the
    // model thinks: it counts double in the fusion.
    keyword.forEach((h, r) => vote(h, (h.all ? 2 : 1) / (RRF_K + r + 1), (hit) => (hit.keyword = true)));
    // Words in the photo's own text (a sign, a page) are keyword evidence too, as strong as a
    // match on every word: the user typed what they saw written.
    (use.has('keywords') ? this.textHits(query, opts, Math.max(depth * 2, 100)) : []).forEach((h, r) =>
      vote(h, 2 / (RRF_K + r + 1), (hit) => {
        hit.keyword = true;
        hit.text = h.lines;
      }),
    );
    // A class a query word names is evidence like a keyword match, weighed by tagWeight (a
    // category counts half, a count asked for doubles or halves it). Each named object the photo
    // holds adds its vote: "a person with a kite" prefers both.
    (use.has('tags') ? this.tagHits(query, opts, Math.max(depth * 2, 100)) : []).forEach((h, r) => {
      const shown = shownTag(h.label, h.count);
      vote(h, tagWeight(h.via, h.counted) / (RRF_K + r + 1), (hit) => {
        hit.tag = hit.tag ? `${hit.tag}, ${shown}` : shown;
      });
    });
    if (missing.length) {
      for (const [id, score] of this.store.search.scores(q, missing, this.embedder.id)) hits.get(id)!.score = score;
    }
    const min = opts.minScore ?? -2;
    const ranked = [...hits.values()]
      .filter((h) => h.keyword || h.tag !== undefined || h.score >= min)
      .sort((a, b) => b.fused - a.fused || b.score - a.score)
      .slice(offset, offset + limit);
    return { hits: ranked, words: read.notes };
  }

  /** Photos that look like this one (image → KNN), excluding the photo itself. */
  similar(photoId: number, opts: SearchOptions = {}): ScoredPhoto[] {
    const v = this.store.vector(photoId, this.embedder.id);
    if (!v) throw new Error('this photo has no vector from the current model yet (indexing still running?)');
    const limit = opts.limit ?? 50;
    return this.nearest(v, { ...opts, exclude: photoId }, (opts.offset ?? 0) + limit).slice(opts.offset ?? 0);
  }
}

function hasFilters(f: SearchFilters): boolean {
  return (
    !!f.since ||
    !!f.until ||
    !!f.folder ||
    !!f.camera ||
    f.hasGps !== undefined ||
    !!f.tag ||
    !!f.people?.length ||
    !!f.days ||
    !!f.places?.length ||
    !!f.within
  );
}
