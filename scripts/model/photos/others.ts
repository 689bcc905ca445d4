/**
 * The other real photographs the issue names as training sources, each with its text:
 *   - Debian desktop wallpapers whose licence allows it (the GCompris rule: CC0, public domain,
 *     CC-BY, CC-BY-SA), named by their titles: Plasma's (metadata.json gives title and licence)
 *     and Lomiri's (debian/copyright gives each file's licence; titles are the "Title_by_Author"
 *     names, author dropped). MATE's photos are GPL-2+ and Plasma's LGPL ones are left out by
 *     that rule; MATE is still read, so a licence change there is picked up;
 *   - test images that come with a telling name: darknet's data folder and scikit-learn's two.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { allowedLicence, stemWords, type SourcePhoto } from './gcompris.js';
import { WordNet } from '../../../src/core/language/wordnet.js';

function photo(path: string, caption: string, concept: string, licence: string, credit: string): SourcePhoto {
  return {
    origin: path,
    data: readFileSync(path),
    ext: extname(path).slice(1).toLowerCase(),
    captions: [caption],
    concept,
    licence,
    credit,
  };
}

/** debian/copyright (DEP-5): file → licence, for the files with an allowed one. */
function dep5(path: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(path)) return out;
  for (const block of readFileSync(path, 'utf8').split(/\n\s*\n/)) {
    // A field's value continues on the indented lines below it.
    const files = /^Files:((?:.*)(?:\n[ \t]+.*)*)/m.exec(block)?.[1]?.trim();
    const licence = allowedLicence(/^License:\s*(.+)$/m.exec(block)?.[1] ?? '');
    if (files && licence) for (const f of files.split(/\s+/)) out.set(basename(f), licence);
  }
  return out;
}

/**
 * Wallpaper titles are often names ("Volna", "Aitzgorri", "Picture 0B"): only a title whose
 * every word WordNet knows describes the picture well enough to be a caption.
 */
function tellingTitles(photos: SourcePhoto[]): SourcePhoto[] {
  // The process-wide reader: training reads WordNet again after the corpus, so it stays open.
  const wn = WordNet.open();
  return photos.filter((p) => p.captions[0]!.split(' ').every((w) => w.length > 2 && wn.lemma(w) !== null));
}

export function wallpaperPhotos(): SourcePhoto[] {
  const out: SourcePhoto[] = [];
  const plasma = '/usr/share/wallpapers';
  if (existsSync(plasma))
    for (const name of readdirSync(plasma)) {
      const meta = join(plasma, name, 'metadata.json');
      const images = join(plasma, name, 'contents', 'images');
      if (!existsSync(meta) || !existsSync(images)) continue;
      const k = (JSON.parse(readFileSync(meta, 'utf8')) as { KPlugin?: { Name?: string; License?: string } }).KPlugin;
      const licence = allowedLicence(k?.License ?? '');
      // The largest JPEG: the others are the same picture at other sizes.
      const jpg = readdirSync(images)
        .filter((f) => /\.jpe?g$/i.test(f))
        .sort((a, b) => parseInt(b, 10) - parseInt(a, 10))[0];
      if (licence && jpg && k?.Name)
        out.push(
          photo(join(images, jpg), k.Name.toLowerCase(), `wallpaper/${name}`, licence, `Plasma wallpaper ${k.Name}`),
        );
    }
  const lomiri = dep5('/usr/share/doc/lomiri-wallpapers/copyright');
  const mate = dep5('/usr/share/doc/mate-backgrounds/copyright');
  const backgrounds = '/usr/share/backgrounds';
  if (existsSync(backgrounds))
    for (const f of readdirSync(backgrounds)) {
      const licence = lomiri.get(f);
      const by = /^(.+?)_by_(.+)\.jpe?g$/i.exec(f);
      if (licence && by)
        out.push(
          photo(join(backgrounds, f), stemWords(by[1]!), `wallpaper/${by[1]}`, licence, `${by[2]!.replace(/_/g, ' ')}`),
        );
    }
  const nature = join(backgrounds, 'mate', 'nature');
  if (existsSync(nature))
    for (const f of readdirSync(nature)) {
      const licence = mate.get(f);
      if (licence && /\.jpe?g$/i.test(f)) {
        const stem = basename(f, extname(f));
        out.push(photo(join(nature, f), stemWords(stem), `wallpaper/${stem}`, licence, `MATE background ${stem}`));
      }
    }
  return tellingTitles(out);
}

/** Test photos with telling names; their folders are unpacked by scripts/dev/test-photos.sh and corpus.ts. */
export function testPhotos(darknetData: string, sklearnImages: string): SourcePhoto[] {
  const out: SourcePhoto[] = [];
  // darknet's data folder: public domain (YOLO's licence). scream.jpg is a painting.
  const darknet: Record<string, string> = {
    'dog.jpg': 'a dog, a bicycle and a truck',
    'eagle.jpg': 'an eagle',
    'giraffe.jpg': 'a giraffe and a zebra',
    'horses.jpg': 'horses in a field',
    'kite.jpg': 'people flying a kite on a beach',
    'person.jpg': 'a person with a dog and a horse',
  };
  for (const [f, caption] of Object.entries(darknet))
    if (existsSync(join(darknetData, f)))
      out.push(photo(join(darknetData, f), caption, `darknet/${f}`, 'public domain', 'darknet test images'));
  const sklearn: Record<string, [string, string]> = {
    'china.jpg': ['a temple in china', 'danielbuechele (Flickr), CC-BY-2.0'],
    'flower.jpg': ['a flower', 'vultilion (Flickr), CC-BY-2.0'],
  };
  for (const [f, [caption, credit]] of Object.entries(sklearn))
    if (existsSync(join(sklearnImages, f)))
      out.push(photo(join(sklearnImages, f), caption, `sklearn/${f}`, 'CC-BY-2.0', credit));
  return out;
}
