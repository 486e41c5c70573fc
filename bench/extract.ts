/**
 * 02-extract against raw `git log -p` on a large synthetic repository
 * (thousands of commits, a few huge ones), built with git fast-import.
 * Prints wall time and peak memory (max RSS from /usr/bin/time) of:
 *   - `git log --first-parent --no-merges -M -p` over the same commits,
 *   - the 02-extract cell as a user runs it (tsx start-up, config, commitlint, table),
 *   - extractRepository alone, in a child node process.
 *
 *   npx tsx bench/extract.ts [commits=5000] [hugeMB=50]   (JOCO_BENCH_KEEP=1 keeps the work folder)
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

interface Measured {
  wallS: number;
  maxRssMB: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time; its stdout is drained through a pipe, as a consumer of git would. */
function measure(command: string[], cwd: string): Promise<Measured> {
  const timeFile = join(tmpdir(), `joco-bench-time-${process.pid}-${Date.now()}`);
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-o", timeFile, "-f", "%M", ...command], { cwd, stdio: ["ignore", "pipe", "inherit"] });
    const kept: Buffer[] = [];
    let keptBytes = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      if (keptBytes < 64 * 1024) kept.push(chunk);
      keptBytes += chunk.length;
    });
    child.on("error", fail);
    child.on("close", async (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return fail(new Error(`${command.join(" ")} exited with ${code}`));
      const maxRssKB = Number((await readFile(timeFile, "utf8")).trim().split("\n").pop());
      await rm(timeFile, { force: true });
      done({ wallS, maxRssMB: maxRssKB / 1024, stdout: Buffer.concat(kept).toString("utf8") });
    });
  });
}

function git(args: string[], cwd: string, input?: (stdin: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn("git", args, { cwd, stdio: [input ? "pipe" : "ignore", "ignore", "inherit"] });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`git ${args.join(" ")} exited with ${code}`))));
    if (input && child.stdin) input(child.stdin).then(() => child.stdin!.end(), fail);
  });
}

const write = (stream: NodeJS.WritableStream, data: string | Buffer) =>
  stream.write(data) ? Promise.resolve() : new Promise<void>((r) => stream.once("drain", () => r()));

/** A linear history of small edits across 300 files, a merge every 500 commits, and three huge generated files. */
async function buildSyntheticRepo(dir: string, commits: number, hugeMB: number): Promise<void> {
  await git(["init", "--quiet", "--initial-branch=main", dir], tmpdir());
  const files = Array.from({ length: 300 }, (_, i) => Array.from({ length: 120 }, (_, j) => `export const v${i}_${j} = ${j}; // line ${j} of file ${i}\n`));
  const hugeLine = "a line of a huge generated data file, padded to look like real output 0123456789\n";
  const hugeAt = new Set([Math.floor(commits * 0.25), Math.floor(commits * 0.5), Math.floor(commits * 0.75)]);
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  await git(["fast-import", "--quiet"], dir, async (stdin) => {
    let mark = 0;
    const blob = async (data: Buffer) => {
      mark += 1;
      await write(stdin, `blob\nmark :${mark}\ndata ${data.length}\n`);
      await write(stdin, data);
      await write(stdin, "\n");
      return mark;
    };
    let time = 1_600_000_000;
    for (let c = 0; c < commits; c++) {
      const changes: [string, number][] = [];
      if (hugeAt.has(c)) {
        const repeat = Math.ceil((hugeMB * 1024 * 1024) / hugeLine.length);
        changes.push([`data/huge-${c}.txt`, await blob(Buffer.from(`# generated ${c}\n` + hugeLine.repeat(repeat)))]);
      } else {
        const touched = 1 + Math.floor(random() * 3);
        for (let t = 0; t < touched; t++) {
          const f = Math.floor(random() * files.length);
          const lines = files[f]!;
          for (let e = 0; e < 1 + Math.floor(random() * 8); e++) {
            const k = Math.floor(random() * lines.length);
            lines[k] = `export const w${c}_${k} = ${random().toFixed(6)}; // edited in commit ${c}\n`;
          }
          changes.push([`src/mod${f % 17}/file${f}.ts`, await blob(Buffer.from(lines.join("")))]);
        }
      }
      time += 60;
      const message = `feat(mod${c % 7}): change number ${c}\n\nWhy this change was made.\n`;
      await write(stdin, `commit refs/heads/main\nmark :${++mark}\ncommitter Dev <dev@example.com> ${time} +0000\ndata ${Buffer.byteLength(message)}\n${message}`);
      for (const [path, m] of changes) await write(stdin, `M 100644 :${m} ${path}\n`);
      await write(stdin, "\n");
      const mainMark = mark;
      if (c > 0 && c % 500 === 0) {
        // A side commit merged back: first-parent history then holds a merge commit.
        const sideBlob = await blob(Buffer.from(`side ${c}\n`));
        await write(stdin, `commit refs/heads/side-${c}\nmark :${++mark}\ncommitter Dev <dev@example.com> ${++time} +0000\ndata 10\nside work\nfrom :${mainMark}\nM 100644 :${sideBlob} side/${c}.txt\n\n`);
        await write(stdin, `commit refs/heads/main\nmark :${++mark}\ncommitter Dev <dev@example.com> ${++time} +0000\ndata 11\nMerge side\nmerge :${mark - 1}\n\n`);
      }
    }
  });
}

async function child(dir: string, file: string): Promise<void> {
  const { extractRepository } = await import("../lib/extract/repository.js");
  const { openAtomicJsonl } = await import("../lib/core/atomic-jsonl.js");
  const { DEFAULT_CONFIG } = await import("../runbook/00-config.js");
  const writer = await openAtomicJsonl(file);
  const tally = await extractRepository(
    dir,
    { name: "synthetic", repository: "synthetic", role: "train", max: 1_000_000, ...DEFAULT_CONFIG.extract, types: DEFAULT_CONFIG.conventional.types },
    { write: writer.write },
  );
  await writer.commit();
  console.log(JSON.stringify({ ...tally, nodeMaxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const commits = Number(process.argv[2] ?? 5000);
  const hugeMB = Number(process.argv[3] ?? 50);
  const work = join(tmpdir(), `joco-bench-extract-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const source = join(work, "synthetic");
    let started = Date.now();
    await buildSyntheticRepo(source, commits, hugeMB);
    console.log(`synthetic repository: ${commits} commits (+ a merge every 500), 3 huge files of ${hugeMB} MB; built in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const bench = join(work, "cases-src");
    await git(["init", "--quiet", "--initial-branch=main", bench], work);
    await git(["-c", "user.name=B", "-c", "user.email=b@x", "commit", "--quiet", "--allow-empty", "-m", "chore: start"], bench);
    const project = join(work, "project");
    await mkdir(project);
    const depth = commits + 100;
    await writeFile(
      join(project, "joco.config.json"),
      JSON.stringify({
        repos: [{ name: "synthetic", url: pathToFileURL(source).href, depth, max: 1_000_000 }],
        benchmark: { source: { name: "cases-src", url: pathToFileURL(bench).href } },
      }),
    );
    started = Date.now();
    const clone = await measure([process.execPath, "--import", TSX_LOADER, join(ROOT, "runbook/01-clone.ts")], project);
    console.log(`01-clone over file:// (not compared): ${((Date.now() - started) / 1000).toFixed(1)}s, max RSS ${clone.maxRssMB.toFixed(0)} MB`);
    const clonedDir = join(project, "tmp/repos/synthetic");

    const runs: [string, string[], string][] = [
      ["git log --first-parent --no-merges -M -p", ["git", "log", "--first-parent", "--no-merges", "-M", "-p", "HEAD"], clonedDir],
      ["02-extract cell (npx tsx runbook/02-extract.ts)", [process.execPath, "--import", TSX_LOADER, join(ROOT, "runbook/02-extract.ts"), "--force"], project],
      ["extractRepository alone (child node)", [process.execPath, "--import", TSX_LOADER, join(ROOT, "bench/extract.ts"), "--child", clonedDir, join(work, "child.jsonl")], project],
      ["  for reference: git log --raw (our listing)", ["git", "log", "--first-parent", "-M", "--raw", "--no-abbrev", "HEAD"], clonedDir],
      ["  for reference: git log --numstat (not used)", ["git", "log", "--first-parent", "--no-merges", "-M", "--numstat", "HEAD"], clonedDir],
    ];
    const results: (Measured & { name: string })[] = [];
    for (const [name, command, cwd] of runs) results.push({ name, ...(await measure(command, cwd)) });
    const gitTime = results[0]!.wallS;
    console.log("");
    console.log(`${"run".padEnd(50)} ${"wall".padStart(8)} ${"× git".padStart(7)} ${"max RSS".padStart(10)}`);
    for (const r of results) {
      console.log(`${r.name.padEnd(50)} ${`${r.wallS.toFixed(2)}s`.padStart(8)} ${(r.wallS / gitTime).toFixed(2).padStart(7)} ${`${r.maxRssMB.toFixed(0)} MB`.padStart(10)}`);
    }
    const tally = JSON.parse(results[2]!.stdout.trim().split("\n").pop() ?? "{}");
    const skipped = Object.entries(tally.skipped ?? {}).filter(([, n]) => Number(n) > 0).map(([r, n]) => `${r} ${n}`).join(", ");
    console.log(`\nextractRepository: scanned ${tally.scanned}, kept ${tally.kept}, skipped: ${skipped}; node's own max RSS ${Math.round(tally.nodeMaxRssMB)} MB`);
    console.log("max RSS is that of the largest single process of the run (node or one of its git children).");
  } finally {
    if (process.env.JOCO_BENCH_KEEP) console.log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3]!, process.argv[4]!);
else await main();
