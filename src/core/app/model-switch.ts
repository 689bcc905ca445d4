/**
 * A model switch under way, kept in the library's meta table so that it outlives a kill: search
 * answers with the previous model (`fromDir`, whose vectors are complete) until the new model has
 * embedded every photo; then the switch ends and the previous model's vectors go.
 */
import { z } from 'zod';
import type { LibraryStore } from '../store/store.js';

const KEY = 'model_switch';

const ModelSwitchSchema = z.object({
  /** The folder of the model search answers with meanwhile. */
  fromDir: z.string().min(1),
  /** The id its vectors carry. */
  fromId: z.string().min(1),
  startedAt: z.string(),
});
export type ModelSwitch = z.infer<typeof ModelSwitchSchema>;

/** The switch under way, or null (none, or a record this build can't read: search uses the current model). */
export function readSwitch(store: LibraryStore): ModelSwitch | null {
  const raw = store.getMeta(KEY);
  if (raw === null) return null;
  try {
    const parsed = ModelSwitchSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeSwitch(store: LibraryStore, s: ModelSwitch | null): void {
  if (s) store.setMeta(KEY, JSON.stringify(s));
  else store.deleteMeta(KEY);
}
