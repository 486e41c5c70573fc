import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { finished } from "node:stream/promises";
import { RunbookError } from "./errors.js";
import { WriteError, expectSize, tempPathFor } from "./files.js";

export interface AtomicJsonlWriter {
  write: (record: unknown) => Promise<void>;
  /** Checks every byte arrived, fsyncs and renames into place: readers see the old file or the whole new one. */
  commit: () => Promise<void>;
  /** Drops what was written; the old file, if any, is untouched. */
  abort: () => Promise<void>;
}

/**
 * A JSONL file written record by record into a temp file, so memory stays flat
 * however many records there are. Node's write stream keeps writing until each
 * chunk is out (a bare FileHandle.write may stop short on a full disk and say
 * so only in its count), and `flush` fsyncs before it closes; a failure
 * surfaces at the next write or at commit, names the file, and leaves the
 * previous file in place.
 */
export async function openAtomicJsonl(file: string): Promise<AtomicJsonlWriter> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const stream = createWriteStream(temp, { flush: true, highWaterMark: 256 * 1024 });
  await once(stream, "ready").catch((error: unknown) => {
    throw new WriteError(file, error);
  });
  let failure: unknown;
  stream.on("error", (error) => (failure ??= error));
  let bytes = 0;

  const fail = async (error: unknown): Promise<never> => {
    await discard();
    throw error instanceof RunbookError ? error : new WriteError(file, error);
  };
  const discard = async () => {
    if (!stream.closed) await new Promise<void>((done) => stream.destroy().once("close", () => done()));
    await rm(temp, { force: true });
  };
  return {
    async write(record) {
      if (failure) return fail(failure);
      const line = `${JSON.stringify(record)}\n`;
      bytes += Buffer.byteLength(line);
      if (!stream.write(line)) await once(stream, "drain").catch(fail);
    },
    async commit() {
      try {
        if (failure) throw failure;
        stream.end();
        await finished(stream);
        if (!stream.closed) await once(stream, "close"); // after the fsync of `flush`
        if (failure) throw failure;
        await expectSize({ stat: () => stat(temp) }, bytes);
        await rename(temp, file);
      } catch (error) {
        await fail(error);
      }
    },
    abort: discard,
  };
}
