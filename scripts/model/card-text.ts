/** How the default model's card names its training data. */
export const TRAINING_SETS =
  'Train split: Open Clip Art Library 0.18 train folders (Debian openclipart-png/-svg), and emoji-datasource-google 16 (Noto Emoji) and emoji-datasource-twitter 16 (Twemoji) for 70% of code points';
export const TRAINING_LICENCES =
  'public domain (clip art); Apache-2.0 (Noto Emoji); CC-BY-4.0 (Twemoji, Twitter Inc and contributors)';
/** What the default model is good and bad at, for its card; docs/MODEL.md has the numbers. */
export const CARD_NOTES = [
  'Good at: clip art, icons, emoji and drawings of single objects, flags, symbols; words from the emoji and clip-art vocabulary. On photos it does best with common objects its COCO-trained detector backbone knows (people, animals, vehicles, furniture, food, tableware).',
  "Bad at: real photographs in general (on 27 test photos it is above chance but far from a good photo model), scenes and landscapes, several objects and how they relate, people and what they do, counting, colours of specific parts; words it never saw map to <unk>. Glimpse's search also matches file names, folders and your photos' own text, which covers some of this.",
];
