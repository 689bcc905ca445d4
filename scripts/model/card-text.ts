/** How the default model's card names its training data (train-default.ts and fix-card.ts). */
export const TRAINING_SETS = 'Train split: Open Clip Art Library 0.18 train folders (Debian openclipart-png/-svg), and emoji-datasource-google 16 (Noto Emoji) and emoji-datasource-twitter 16 (Twemoji) for 70% of code points';
export const TRAINING_LICENCES = 'public domain (clip art); Apache-2.0 (Noto Emoji); CC-BY-4.0 (Twemoji, Twitter Inc and contributors)';
