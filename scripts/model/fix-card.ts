/**
 * Rewrites a bundle's card description, training-data list and notes (bundle.json and
 * MODEL_CARD.md), for bundles written before train-default derived them. The model id (a hash of
 * the weights) is kept.
 *   npx tsx scripts/model/fix-card.ts <bundle-dir> <backbone-label>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, renderCard } from '../../src/core/engine/bundle.js';
import { CARD_NOTES, TRAINING_LICENCES, TRAINING_SETS } from './card-text.js';

const [dir, backbone] = process.argv.slice(2);
if (!dir || !backbone) throw new Error('usage: fix-card.ts <bundle-dir> <backbone-label>');
const m = readManifest(dir);
m.card.description = `VSE (${m.config.maxViolation ? 'max-violation loss, VSE++' : 'sum-of-hinges loss, VSE0'}; ${m.config.layerNorm ? 'layer-normalised GRU' : 'GRU'}) on a frozen ${backbone} backbone, trained on public-domain clip art and Apache-2.0 / CC-BY-4.0 emoji. See docs/MODEL.md.`;
// Older cards split the training set by source but counted it all under the first entry.
const [train, ...rest] = m.card.trainingData;
if (train && rest[0]?.description.startsWith('emoji-datasource')) {
  m.card.trainingData = [{ ...train, description: TRAINING_SETS, licence: TRAINING_LICENCES }, ...rest.slice(1)];
}
m.card.notes = CARD_NOTES;
writeFileSync(join(dir, 'bundle.json'), JSON.stringify(m, null, 2));
writeFileSync(join(dir, 'MODEL_CARD.md'), renderCard(m));
console.log(readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8').split('\n').slice(0, 4).join('\n'));
