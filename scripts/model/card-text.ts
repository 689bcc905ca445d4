/** How the default model's card names its training data. */
export const TRAINING_SETS =
  "Train split: Open Clip Art Library 0.18 train folders (Debian openclipart-png/-svg), emoji-datasource-google 16 (Noto Emoji) and emoji-datasource-twitter 16 (Twemoji) for 70% of code points, and 206 real photographs of 70% of the concepts from Debian gcompris-qt-data, lomiri/plasma wallpapers, darknet and scikit-learn (listed in NOTICE); captions also with their head noun's WordNet category";
export const TRAINING_LICENCES =
  'public domain (clip art); Apache-2.0 (Noto Emoji); CC-BY-4.0 (Twemoji, Twitter Inc and contributors); photos CC0, public domain, CC-BY or CC-BY-SA, each credited in NOTICE';
/** What the default model is good and bad at, for its card; docs/MODEL.md has the numbers. */
export const CARD_NOTES = [
  'Good at: clip art, icons, emoji and drawings of single objects, flags, symbols; words from the emoji and clip-art vocabulary. On photos it does best with common objects its COCO-trained detector backbone knows (people, animals, vehicles, furniture, food, tableware).',
  "Bad at: real photographs of things it has not seen (on 55 held-out real photos text-to-photo R@10 is 4.6× chance through the CLI, far from a good photo model), scenes and landscapes, several objects and how they relate, people and what they do, counting, colours of specific parts; words it never saw are read as their nearest WordNet relative it knows (“kangaroo” as “mammal”), in a search by the known words of their WordNet definition (“dam” as “water sea”), or as <unk> where WordNet has none. Glimpse's search also matches file names, folders and your photos' own text, which covers some of this.",
];
