import type { Readable } from "node:stream";

export interface StreamRecord {
  /** The record's bytes, at most `maxBytes` of them. */
  data: Buffer;
  /** Bytes of this record that were read and dropped because it was longer than `maxBytes`. */
  droppedBytes: number;
}

/**
 * Splits a byte stream into the records that follow each `delimiter`
 * (whatever precedes the first one is ignored). Memory stays bounded: a record
 * longer than `maxBytes` is cut, and the rest of it flows past without being kept.
 */
export async function* splitRecords(stream: Readable, delimiter: Buffer, maxBytes: number): AsyncGenerator<StreamRecord> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let dropped = 0;
  let started = false;
  // Bytes at the end of a chunk that could be the start of a delimiter split across two chunks.
  let tail: Buffer = Buffer.alloc(0);

  const keep = (part: Buffer) => {
    const room = maxBytes - heldBytes;
    if (part.length <= room) {
      held.push(part);
      heldBytes += part.length;
    } else {
      if (room > 0) held.push(part.subarray(0, room));
      heldBytes = maxBytes;
      dropped += part.length - Math.max(room, 0);
    }
  };
  const take = (): StreamRecord => {
    const record = { data: Buffer.concat(held, heldBytes), droppedBytes: dropped };
    held = [];
    heldBytes = 0;
    dropped = 0;
    return record;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buffer = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const at = buffer.indexOf(delimiter, from);
      if (at < 0) break;
      if (started) {
        keep(buffer.subarray(from, at));
        yield take();
      }
      started = true;
      from = at + delimiter.length;
    }
    const safeEnd = Math.max(from, buffer.length - (delimiter.length - 1));
    if (started) keep(buffer.subarray(from, safeEnd));
    // Copied, so the chunk it came from can be released.
    tail = Buffer.from(buffer.subarray(safeEnd));
  }
  if (started) {
    keep(tail);
    yield take();
  }
}
