/**
 * A rolling backup of the user's own work, beside the database but not in it, so a damaged
 * library.db can be rebuilt without losing albums, labels, captions, roots or settings.
 * `backups/user-data.json` is rewritten (atomically) after every change; the first change of a day
 * also leaves `user-data-YYYY-MM-DD.json`, and the newest DAILY_KEPT of those are kept, so a
 * mistake noticed later can still be undone by hand.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { writeFileAtomic } from '../base/files.js';
import { join } from 'node:path';
import { z } from 'zod';

const DAILY_KEPT = 7;
const LATEST = 'user-data.json';
const DAILY = /^user-data-(\d{4}-\d{2}-\d{2})\.json$/;

const UserDataSchema = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  roots: z.array(z.string()),
  albums: z.array(
    z.object({
      name: z.string().min(1),
      label: z.string(),
      createdAt: z.string(),
      items: z.array(z.object({ hash: z.string().min(1), pathHint: z.string().nullable(), addedAt: z.string() })),
    }),
  ),
  captions: z.array(
    z.object({ hash: z.string().min(1), text: z.string(), pathHint: z.string().nullable(), updatedAt: z.string() }),
  ),
  settings: z.record(z.string(), z.string()),
  /** The people the user made something of, with their verdicts on faces (by content and box). */
  people: z
    .array(
      z.object({
        name: z.string().nullable(),
        hidden: z.boolean(),
        cover: z.string().nullable(),
        createdAt: z.string(),
        labels: z.array(z.object({ hash: z.string().min(1), box: z.string(), verdict: z.enum(['is', 'not']) })),
      }),
    )
    .default([]),
});

export type UserData = z.input<typeof UserDataSchema>;

export function backupDir(dataDir: string): string {
  return join(dataDir, 'backups');
}

/** Writes the latest backup (and today's, if there is none yet), then prunes old dailies. */
export function writeUserBackup(dataDir: string, data: UserData): void {
  const dir = backupDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(data);
  writeFileAtomic(join(dir, LATEST), text);
  const today = join(dir, `user-data-${data.savedAt.slice(0, 10)}.json`);
  if (!existsSync(today)) writeFileAtomic(today, text);
  const dailies = readdirSync(dir)
    .filter((f) => DAILY.test(f))
    .sort()
    .reverse();
  for (const old of dailies.slice(DAILY_KEPT)) rmSync(join(dir, old), { force: true });
}

/** The newest backup that reads and validates (the latest, else the newest daily), if any. */
export function readUserBackup(dataDir: string): { file: string; data: UserData } | null {
  const dir = backupDir(dataDir);
  if (!existsSync(dir)) return null;
  const files = [
    LATEST,
    ...readdirSync(dir)
      .filter((f) => DAILY.test(f))
      .sort()
      .reverse(),
  ];
  for (const f of files) {
    const file = join(dir, f);
    try {
      const parsed = UserDataSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.success) return { file, data: parsed.data };
    } catch {
      // Missing or unreadable: try the next older one.
    }
  }
  return null;
}
