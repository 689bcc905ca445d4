/**
 * Albums and the user's own captions: the labelled data fine-tuning learns from. An album's label
 * (its name when the label is empty) is the text every photo in it is paired with; a photo's own
 * caption adds a second, more specific text. Both also join the caption bank.
 */
import type { Album } from '../../shared/contract.js';
import { GlimpseError } from '../base/errors.js';
import type { AlbumRow, AlbumStore } from '../store/album-store.js';
import type { LibraryStore } from '../store/store.js';

export class Albums {
  private readonly rows: AlbumStore;

  constructor(store: LibraryStore) {
    this.rows = store.albums;
  }

  list(): Album[] {
    return this.rows.list().map(toAlbum);
  }

  get(id: number): Album {
    const a = this.list().find((x) => x.id === id);
    if (!a) throw new GlimpseError('not-found', `no album with id ${id}`);
    return a;
  }

  create(name: string, label: string): Album {
    this.assertFreeName(name);
    return this.get(this.rows.insert(name, label));
  }

  update(id: number, change: { name?: string; label?: string }): Album {
    this.get(id);
    if (change.name !== undefined) {
      this.assertFreeName(change.name, id);
      this.rows.rename(id, change.name);
    }
    if (change.label !== undefined) this.rows.relabel(id, change.label);
    return this.get(id);
  }

  remove(id: number): boolean {
    return this.rows.delete(id);
  }

  add(id: number, photoIds: number[]): Album {
    this.get(id);
    const missing = this.rows.addPhotos(id, photoIds);
    if (missing !== undefined) {
      throw new GlimpseError('not-found', `no photo with id ${missing} (was it removed from the library?)`);
    }
    return this.get(id);
  }

  removePhotos(id: number, photoIds: number[]): Album {
    this.get(id);
    this.rows.removePhotos(id, photoIds);
    return this.get(id);
  }

  albumsOf(photoId: number): { id: number; name: string }[] {
    return this.rows.albumsOf(photoId);
  }

  caption(photoId: number): string | null {
    return this.rows.caption(photoId);
  }

  /** Sets (or, with an empty text, removes) the user's caption, and updates keyword search. */
  setCaption(photoId: number, text: string): void {
    this.rows.setCaption(photoId, text);
  }

  /** The user's words for the caption bank: album labels and photo captions. */
  userTexts(): string[] {
    return this.rows.userTexts();
  }

  /**
   * Image–text pairs from the chosen albums: each photo with its albums' labels and its own
   * caption. A photo in two chosen albums gets both labels, once.
   */
  trainingPairs(albumIds: number[]): { image: string; captions: string[] }[] {
    for (const id of albumIds) this.get(id);
    const byPhoto = new Map<number, { image: string; captions: string[] }>();
    for (const r of this.rows.pairRows(albumIds)) {
      const e = byPhoto.get(r.id) ?? { image: r.path, captions: r.caption ? [r.caption] : [] };
      if (!e.captions.includes(r.text)) e.captions.push(r.text);
      byPhoto.set(r.id, e);
    }
    return [...byPhoto.values()];
  }

  private assertFreeName(name: string, except?: number): void {
    const other = this.rows.idByName(name);
    if (other !== undefined && other !== except) {
      throw new GlimpseError('invalid-input', `an album named "${name}" already exists`);
    }
  }
}

function toAlbum(r: AlbumRow): Album {
  return { id: r.id, name: r.name, label: r.label, count: r.count, cover: r.cover, createdAt: r.created_at };
}
