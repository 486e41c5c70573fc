import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

export interface AtomicJsonlWriter {
  write: (record: unknown) => Promise<void>;
  /** fsync and rename into place: readers see the old file or the whole new one. */
  commit: () => Promise<void>;
  /** Drops what was written; the old file, if any, is untouched. */
  abort: () => Promise<void>;
}

/** A JSONL file written record by record into a temp file, so memory stays flat however many records there are. */
export async function openAtomicJsonl(file: string): Promise<AtomicJsonlWriter> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const handle = await open(temp, "w");
  let pending = "";
  const flush = async () => {
    if (pending) await handle.write(pending);
    pending = "";
  };
  return {
    async write(record) {
      pending += JSON.stringify(record) + "\n";
      if (pending.length > 256 * 1024) await flush();
    },
    async commit() {
      await flush();
      await handle.sync();
      await handle.close();
      await rename(temp, file);
    },
    async abort() {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
    },
  };
}
