/**
 * People: listing them, the user's word on them (names, merges, hides, covers, faces moved), and
 * grouping every face again as a job. Uses the store alone; no image model is loaded.
 */
import type { FaceInfo, Outputs, ParsedInput, PersonInfo } from '../../shared/contract.js';
import { GlimpseError } from '../base/errors.js';
import { clusterFaces } from '../faces/cluster.js';
import { verdictOn } from '../faces/labels.js';
import type { FaceRow } from '../store/face-store.js';
import type { LibraryStore } from '../store/store.js';

const face = (f: FaceRow & { name?: string | null }, name: string | null = f.name ?? null): FaceInfo => ({
  id: f.id,
  box: f.box,
  thumb: f.thumb,
  person: f.personId === null ? null : { id: f.personId, name },
});

export class People {
  constructor(
    private readonly store: () => LibraryStore,
    private readonly facesOn: () => boolean,
  ) {}

  private get faces() {
    return this.store().faces;
  }

  /** The face models whose faces are stored: listing people loads no model. */
  modelId(): string {
    return this.faces.modelIds()[0] ?? '';
  }

  /** The people in the photos, named first, then by how many photos show them; hidden ones only with `hidden`. */
  list(input: ParsedInput<'people'>): Outputs['people'] {
    const id = this.modelId();
    const people = id ? this.faces.people(id) : [];
    return { faces: this.facesOn(), people: people.filter((p) => input.hidden || !p.hidden) };
  }

  info(id: number): PersonInfo {
    const row = this.faces.person(id);
    if (!row) throw new GlimpseError('not-found', `no person ${id}`);
    const [p] = this.faces.people(this.modelId(), id);
    return {
      id,
      name: row.name,
      hidden: row.hidden,
      faces: p?.faces ?? 0,
      photos: p?.photos ?? 0,
      cover: p?.cover ?? null,
    };
  }

  /** A person filter as the store takes it: their id, from a number or the name the user gave them. */
  ids(person: number | string | undefined): number[] {
    if (person === undefined) return [];
    const found = typeof person === 'number' ? this.faces.person(person) : this.faces.personByName(person);
    if (!found)
      throw new GlimpseError(
        'not-found',
        typeof person === 'number' ? `no person ${person}` : `nobody is named "${person}" (glimpse people lists them)`,
      );
    return [found.id];
  }

  /** The faces found in a content, for the photo view. */
  facesIn(hash: string): FaceInfo[] {
    const id = this.modelId();
    return id ? this.faces.facesIn(hash, id).map((f) => face(f)) : [];
  }

  update(input: ParsedInput<'updatePerson'>): PersonInfo {
    this.info(input.id);
    const other = input.name ? this.faces.personByName(input.name) : undefined;
    if (other && other.id !== input.id)
      throw new GlimpseError(
        'invalid-input',
        `"${other.name}" is already someone else's name (person ${other.id}): merge the two if they are one person`,
      );
    if (input.name !== undefined) this.faces.rename(input.id, input.name);
    if (input.hidden !== undefined) this.faces.hide(input.id, input.hidden);
    return this.info(input.id);
  }

  merge(input: ParsedInput<'mergePeople'>): PersonInfo {
    for (const id of [input.into, input.from]) this.info(id);
    this.faces.merge(input.into, input.from);
    return this.info(input.into);
  }

  personFaces(input: ParsedInput<'personFaces'>): Outputs['personFaces'] {
    const person = this.info(input.id);
    return {
      person,
      faces: this.faces.facesOf(input.id, input.limit).map((f) => ({ ...face(f, person.name), path: f.path })),
    };
  }

  /** "This is Anna" (an id or a name: a new person where nobody has it yet) or "Not Anna" (null). */
  assign(input: ParsedInput<'assignFace'>): Outputs['assignFace'] {
    const f = this.faces.face(input.face);
    if (!f) throw new GlimpseError('not-found', `no face ${input.face}`);
    let to: number | null = null;
    if (typeof input.person === 'number') to = this.info(input.person).id;
    else if (typeof input.person === 'string') {
      to = this.faces.personByName(input.person)?.id ?? this.faces.newPerson();
      if (!this.faces.person(to)?.name) this.faces.rename(to, input.person);
    } else if (f.personId === null) throw new GlimpseError('invalid-input', `face ${input.face} is nobody's yet`);
    const now = this.faces.moveFace(input.face, to);
    const person = this.info(now);
    return { face: face({ ...this.faces.face(input.face)! }, person.name), person };
  }

  setCover(input: ParsedInput<'setCover'>): PersonInfo {
    this.info(input.id);
    const f = this.faces.face(input.face);
    if (!f || f.personId !== input.id)
      throw new GlimpseError('invalid-input', `face ${input.face} is not one of person ${input.id}'s faces`);
    this.faces.setCover(input.id, input.face);
    return this.info(input.id);
  }

  /**
   * Groups every clear face again (cluster.ts), keeping the user's word: faces the user placed stay
   * with their person, a face is never put with someone the user said it is not, and the user's
   * people are never joined. Nothing is written until the end, so a cancel changes nothing.
   */
  async regroup(ctx: {
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  }): Promise<Outputs['regroupPeople']> {
    const modelId = this.modelId();
    if (!modelId) return { people: 0, faces: 0 };
    const faces = this.faces;
    const user = faces.userPeople();
    const slotOf = new Map(user.map((id, slot) => [id, slot]));
    const labels = faces.labels();
    const n = faces.groupedCount(modelId);
    let dim = 0;
    let vectors = new Float32Array(0);
    const ids: number[] = [];
    const fixed = new Int32Array(n).fill(-1);
    const notIn = new Map<number, Set<number>>();
    for (const f of faces.groupedFaces(modelId)) {
      if (ids.length === n) break;
      if (!dim) {
        dim = f.descriptor.length;
        vectors = new Float32Array(n * dim);
      }
      const i = ids.push(f.id) - 1;
      vectors.set(f.descriptor, i * dim);
      const said = verdictOn(f.box, labels.get(f.hash) ?? []);
      if (said.is !== null && slotOf.has(said.is)) fixed[i] = slotOf.get(said.is)!;
      const nots = [...said.not].filter((p) => slotOf.has(p)).map((p) => slotOf.get(p)!);
      if (nots.length) notIn.set(i, new Set(nots));
    }
    const slots = await clusterFaces({
      vectors: vectors.subarray(0, ids.length * dim),
      dim,
      fixed: fixed.subarray(0, ids.length),
      fixedPeople: user.length,
      notIn,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    });
    if (ctx.signal?.aborted) throw new GlimpseError('cancelled', 'regrouping faces was cancelled');
    const personOf = [...slots].map((s) => (s < user.length ? user[s]! : -1 - s));
    faces.regroup(ids, personOf);
    return { people: faces.people(modelId).length, faces: ids.length };
  }
}
