/**
 * Schema migrations, forward only. Migration i (1-based) moves the database from user_version
 * i-1 to i inside one transaction; a database newer than this build is refused, not touched.
 */
export const MIGRATIONS: string[] = [
  // 1: roots, photos with metadata, failures, full-text index, vectors (per model), captions.
  `
  CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL
  );
  CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    path TEXT NOT NULL UNIQUE,
    folder TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    hash TEXT NOT NULL,
    format TEXT,
    width INTEGER,
    height INTEGER,
    taken_at TEXT,
    camera_make TEXT,
    camera_model TEXT,
    lat REAL,
    lon REAL,
    title TEXT,
    description TEXT,
    keywords TEXT,
    indexed_at TEXT NOT NULL
  );
  CREATE INDEX photos_hash ON photos(hash);
  CREATE INDEX photos_root ON photos(root_id);
  CREATE INDEX photos_taken ON photos(taken_at);
  CREATE TABLE failures (
    path TEXT PRIMARY KEY,
    root_id INTEGER REFERENCES roots(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    detail TEXT,
    severity TEXT NOT NULL DEFAULT 'error',
    size INTEGER,
    mtime_ms INTEGER,
    at TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE photos_fts USING fts5(name, folder, text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE TABLE embeddings (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    vector BLOB NOT NULL
  );
  CREATE INDEX embeddings_model ON embeddings(model_id);
  CREATE TABLE captions (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    text TEXT NOT NULL,
    score REAL NOT NULL,
    model_id TEXT NOT NULL,
    bank_id TEXT NOT NULL,
    PRIMARY KEY (photo_id, rank)
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 2: albums (the user's labelled photos for fine-tuning) and the user's own captions.
  `
  CREATE TABLE albums (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
  );
  CREATE TABLE album_photos (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    added_at TEXT NOT NULL,
    PRIMARY KEY (album_id, photo_id)
  );
  CREATE INDEX album_photos_photo ON album_photos(photo_id);
  CREATE TABLE photo_captions (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,
  // 3: objects the image model's detector found in each photo (COCO classes), with the model id:
  // derived data, rewritten whenever the photo is embedded again.
  `
  CREATE TABLE photo_tags (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    label TEXT NOT NULL,
    confidence REAL NOT NULL,
    PRIMARY KEY (photo_id, label)
  );
  CREATE INDEX photo_tags_label ON photo_tags(label, confidence);
  `,
  // 4: where each stored caption came from: the caption bank, or the photo's detected objects.
  `
  ALTER TABLE captions ADD COLUMN source TEXT NOT NULL DEFAULT 'bank';
  `,
  // 5: the user's work outlives the index. Album membership and the user's captions are keyed by
  // the photo's content hash (with its last path as a hint), not by the index row, so removing and
  // re-adding a folder, a move or a re-index keeps them.
  `
  CREATE TABLE album_items (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    path_hint TEXT,
    added_at TEXT NOT NULL,
    PRIMARY KEY (album_id, hash)
  );
  CREATE INDEX album_items_hash ON album_items(hash);
  INSERT OR IGNORE INTO album_items (album_id, hash, path_hint, added_at)
    SELECT ap.album_id, p.hash, p.path, ap.added_at FROM album_photos ap JOIN photos p ON p.id = ap.photo_id;
  DROP TABLE album_photos;
  CREATE TABLE user_captions (
    hash TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    path_hint TEXT,
    updated_at TEXT NOT NULL
  );
  INSERT OR REPLACE INTO user_captions (hash, text, path_hint, updated_at)
    SELECT p.hash, c.text, p.path, c.updated_at FROM photo_captions c JOIN photos p ON p.id = c.photo_id;
  DROP TABLE photo_captions;
  `,
  // 6: text read in photos (OCR), by content hash with the OCR model id: derived, re-read when
  // the OCR model changes; its own full-text index, so a hit can say it came from the photo's text.
  `
  CREATE TABLE photo_text (
    hash TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    lines TEXT NOT NULL,
    read_at TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE photo_text_fts USING fts5(text, hash UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
  `,
  // 7: how many of each detected object there are, and the largest one's share of the photo
  // ("two people", "a dog filling the frame"). Rows from before have one and no area; the model
  // id changed with the detection decoding, so re-indexing rewrites them all.
  `
  ALTER TABLE photo_tags ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE photo_tags ADD COLUMN area REAL;
  `,
  // 8: a photo may hold vectors from more than one model, so that search keeps answering on the
  // previous model's vectors while a new model re-embeds the library (they go when it is done).
  `
  CREATE TABLE embeddings_v8 (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (photo_id, model_id)
  );
  INSERT INTO embeddings_v8 (photo_id, model_id, vector) SELECT photo_id, model_id, vector FROM embeddings;
  DROP TABLE embeddings;
  ALTER TABLE embeddings_v8 RENAME TO embeddings;
  CREATE INDEX embeddings_model ON embeddings(model_id);
  `,
  // 9: faces found in each photo's content (by hash and the face models' id, with a descriptor
  // for grouping), which contents were read (none found is a result too), and people: groups of
  // faces the user can name. A person's name is the user's; faces are derived.
  `
  CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE faces (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    model_id TEXT NOT NULL,
    box TEXT NOT NULL,
    landmarks TEXT NOT NULL,
    score REAL NOT NULL,
    descriptor BLOB NOT NULL,
    person_id INTEGER REFERENCES people(id) ON DELETE SET NULL
  );
  CREATE INDEX faces_hash ON faces(hash, model_id);
  CREATE INDEX faces_person ON faces(person_id);
  CREATE TABLE face_reads (
    hash TEXT NOT NULL,
    model_id TEXT NOT NULL,
    PRIMARY KEY (hash, model_id)
  );
  `,
  // 10: the user's word on faces, kept apart from the faces (which are derived and re-read): each
  // verdict names a face by its content hash and box, and says it is ('is') or is not ('not') a
  // person. A person's cover face likewise; each face's crop (a thumbnail's name) and quality.
  `
  CREATE TABLE face_labels (
    hash TEXT NOT NULL,
    box TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    verdict TEXT NOT NULL CHECK (verdict IN ('is', 'not')),
    PRIMARY KEY (hash, box, person_id)
  );
  CREATE INDEX face_labels_person ON face_labels(person_id);
  ALTER TABLE people ADD COLUMN cover TEXT;
  ALTER TABLE faces ADD COLUMN thumb TEXT;
  ALTER TABLE faces ADD COLUMN quality TEXT;
  -- Listing people reads this index alone, never the rows (each holds a 4 KB descriptor).
  CREATE INDEX faces_people ON faces(model_id, person_id, hash, score, box, thumb);
  `,
  // 11: the place each geotagged content was taken in (the nearest town, its country), by content
  // hash and the gazetteer's version: derived, computed again when the gazetteer changes.
  `
  CREATE TABLE places (
    hash TEXT NOT NULL,
    gazetteer TEXT NOT NULL,
    city_id INTEGER,
    city TEXT,
    country TEXT,
    PRIMARY KEY (hash, gazetteer)
  );
  CREATE INDEX places_city ON places(gazetteer, city_id);
  CREATE INDEX places_country ON places(gazetteer, country);
  `,
  // 12: where each photo's date comes from (EXIF of the shot, of its digitising, XMP, or the
  // file's last change) and the camera clock's offset from UTC, where EXIF says.
  `
  ALTER TABLE photos ADD COLUMN taken_source TEXT;
  ALTER TABLE photos ADD COLUMN taken_offset TEXT;
  `,
  // 13: the map reads positions from this index alone, not from the photos' rows.
  `
  CREATE INDEX photos_position ON photos(lat, lon) WHERE lat IS NOT NULL AND lon IS NOT NULL;
  `,
  // 14: the first-level region (state, province) of each place, by GeoNames' key ("US.CA"). Rows
  // placed before it have none until the next index places them again (the gazetteer's version
  // names the region data too).
  `
  ALTER TABLE places ADD COLUMN region TEXT;
  CREATE INDEX places_region ON places(gazetteer, region);
  `,
];
