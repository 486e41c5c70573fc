import { PassThrough } from "node:stream";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CommandError } from "../../lib/core/errors.js";
import { cloneTarget, redactUrls, runGit } from "../../lib/extract/git.js";
import { blobSizes, listCommits, streamPatches, unquotePath } from "../../lib/extract/history.js";
import { splitRecords } from "../../lib/extract/record-stream.js";
import { type FixtureRepo, createRepo, lines } from "../helpers/git-fixture.js";
import { tempDir } from "../helpers/process.js";

describe("cloneTarget", () => {
  it("accepts plain names and refuses names that leave the folder or URLs that git would take for options", () => {
    expect(cloneTarget("/r", { name: "vuejs-core.v3_x", url: "https://github.com/vuejs/core.git" })).toBe("/r/vuejs-core.v3_x");
    for (const name of ["../x", "..", ".", "a/b", "", "x y"]) expect(() => cloneTarget("/r", { name, url: "file:///x" })).toThrow(/is not allowed/);
    for (const url of ["--upload-pack=touch /tmp/x", "-u", " "]) expect(() => cloneTarget("/r", { name: "x", url })).toThrow(/URL .* is not allowed/);
  });
});

describe("redactUrls", () => {
  it("hides the credentials of any URL in a message and leaves the rest", () => {
    expect(redactUrls("cloning https://user:ghp_secret@github.com/a/b.git and ssh://git@host/x")).toBe(
      "cloning https://***@github.com/a/b.git and ssh://***@host/x",
    );
    expect(redactUrls("file:///tmp/repo and git@github.com:a/b.git")).toBe("file:///tmp/repo and git@github.com:a/b.git");
  });
});

describe("runGit", () => {
  it("fails with git's own message and exit code", async () => {
    const dir = await tempDir();
    const error = await runGit(["rev-parse", "HEAD"], { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).exitCode).toBe(128);
    expect((error as CommandError).stderr).toMatch(/fatal: not a git repository/);
  });
});

describe("reading history", () => {
  let repo: FixtureRepo;
  const shas: string[] = [];
  beforeAll(async () => {
    repo = await createRepo(join(await tempDir(), "history"));
    shas.push(await repo.commit({ message: "feat: first", files: { "a.txt": lines(10), "old/name.ts": lines(20, "n") } }));
    shas.push(await repo.commit({ message: "fix: second\n\nA body with\x1f odd characters\nand lines.\n\nSigned-off-by: X <x@y.z>", files: { "new/name.ts": lines(20, "n"), "old/name.ts": null, "tab\there.txt": "t\n" } }));
    shas.push(await repo.merge("Merge branch 'side'", { "side.txt": "s\n" }));
    shas.push(await repo.commit({ message: "docs: big", files: { "big.txt": lines(5000, "a fairly long line of text") } }));
    shas.push(await repo.commit({ message: "docs: small", files: { "a.txt": lines(11) } }));
  });

  it("lists first-parent history newest first with authors, messages, parents and changed files", async () => {
    const commits = [];
    for await (const c of listCommits(repo.dir)) commits.push(c);
    expect(commits.map((c) => c.sha)).toEqual([...shas].reverse());
    const second = commits[3]!;
    expect(second.message).toBe("fix: second\n\nA body with\x1f odd characters\nand lines.\n\nSigned-off-by: X <x@y.z>");
    expect(second).toMatchObject({ authorName: "Dev Eloper", authorEmail: "dev@example.com", parents: [shas[0]] });
    expect(second.files.map((f) => [f.status, f.oldPath, f.path])).toEqual([
      ["R", "old/name.ts", "new/name.ts"],
      ["A", undefined, "tab\there.txt"],
    ]);
    expect(commits[2]!.parents).toHaveLength(2);
    expect(commits[2]!.files).toEqual([]);
  });

  it("stops git when the reader has enough", async () => {
    const seen: string[] = [];
    for await (const c of listCommits(repo.dir)) {
      seen.push(c.sha);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([shas[4], shas[3]]);
  });

  it("gives blob sizes without reading the blobs' content into memory", async () => {
    const commits = [];
    for await (const c of listCommits(repo.dir)) commits.push(c);
    const big = commits[1]!.files[0]!.newBlob;
    const sizes = await blobSizes(repo.dir, [big, "0".repeat(40)]);
    expect(sizes.get(big)).toBe(lines(5000, "a fairly long line of text").length);
    expect(sizes.size).toBe(1);
  });

  it("streams patches in the order asked, cutting one past maxBytes without losing the next", async () => {
    const patches = [];
    for await (const p of streamPatches(repo.dir, [shas[4]!, shas[3]!, shas[1]!], { maxBytes: 4096 })) patches.push(p);
    expect(patches.map((p) => [p.sha, p.overflowed])).toEqual([
      [shas[4], false],
      [shas[3], true],
      [shas[1], false],
    ]);
    expect(patches[1]!.patch.length).toBeLessThanOrEqual(4096);
    expect(patches[0]!.patch).toBe(await runGit(["show", "--format=", "-M", "--patch", shas[4]!], { cwd: repo.dir }));
    expect(patches[2]!.patch).toMatch(/^diff --git a\/old\/name.ts b\/new\/name.ts\nsimilarity index 100%/);
  });
});

describe("splitRecords", () => {
  it("splits on a delimiter that straddles chunks, and caps each record", async () => {
    const stream = new PassThrough();
    const out: [string, number][] = [];
    const done = (async () => {
      for await (const r of splitRecords(stream, Buffer.from("<<>>"), 6)) out.push([r.data.toString(), r.droppedBytes]);
    })();
    for (const chunk of ["junk<<", ">>one<", "<>>a much longer record", "<<>>", "<<>>last"]) stream.write(chunk);
    stream.end();
    await done;
    expect(out).toEqual([
      ["one", 0],
      ["a much", 14],
      ["", 0],
      ["last", 0],
    ]);
  });
});

describe("unquotePath", () => {
  it("reads git's C-quoted paths", () => {
    expect(unquotePath("plain.txt")).toBe("plain.txt");
    expect(unquotePath('"tab\\there.txt"')).toBe("tab\there.txt");
    expect(unquotePath('"\\303\\274n\\303\\257.txt"')).toBe("ünï.txt");
    expect(unquotePath('"say \\"hi\\".txt"')).toBe('say "hi".txt');
  });
});
