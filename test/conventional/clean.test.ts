import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { UNPREDICTABLE_TRAILERS, cleanCommitMessage, stripspace } from "../../lib/conventional/clean.js";
import { createRng } from "../../lib/curate/split.js";

/** `git stripspace` itself (default mode: strip whitespace and blank lines, keep `#` lines). */
const gitStripspace = (text: string) => execFileSync("git", ["stripspace"], { input: text, encoding: "utf8" });
/** Ours, in git's framing: every kept line ends with a newline. */
const framed = (text: string) => {
  const cleaned = stripspace(text);
  return cleaned === "" ? "" : `${cleaned}\n`;
};

// Pieces an output can be made of: words, every ASCII whitespace byte (git strips only space, tab, LF and CR),
// a comment-like line (kept: no comment removal), and non-ASCII spaces git does not strip.
const PIECES = ["feat: x", "a", "b c", " ", "  ", "\t", "\n", "\n", "\n\n", "\r", "\r\n", "\v", "\f", "# note", "é", "\u00a0", "\u2028", "```"];

function randomText(random: () => number): string {
  const length = Math.floor(random() * 14);
  return Array.from({ length }, () => PIECES[Math.floor(random() * PIECES.length)]!).join("");
}

describe("stripspace", () => {
  const handPicked = [
    "",
    "\n\n\n",
    "feat: x",
    "feat: x\n",
    "\n\nfeat: x  \n\n\n\nbody\t \n\n",
    "  feat: leading spaces stay",
    "feat: x\r\n\r\nbody\r\n",
    "feat: x \v\f\r",
    "  \n\t\nfeat: x\n \n  indented body  \n",
    "# a comment line is kept\nfeat: x",
    "feat: x\u00a0",
  ];

  it("equals git stripspace on hand-picked outputs", () => {
    for (const text of handPicked) expect(framed(text), JSON.stringify(text)).toBe(gitStripspace(text));
  });

  it("equals git stripspace on 400 random outputs", () => {
    const random = createRng(16);
    const texts = Array.from({ length: 400 }, () => randomText(random));
    const differing = texts.filter((text) => framed(text) !== gitStripspace(text)).map((text) => JSON.stringify(text));
    expect(differing).toEqual([]);
    expect(new Set(texts.map(framed)).size).toBeGreaterThan(200); // the inputs really vary
  });

  it("is idempotent", () => {
    const random = createRng(7);
    for (let i = 0; i < 100; i += 1) {
      const once = stripspace(randomText(random));
      expect(stripspace(once)).toBe(once);
    }
  });
});

describe("cleanCommitMessage", () => {
  it("strips trailing squash-merge references from the header only", () => {
    expect(cleanCommitMessage("fix(core): handle x (#1234)")).toBe("fix(core): handle x");
    expect(cleanCommitMessage("fix: wrong url  (#6584)")).toBe("fix: wrong url");
    expect(cleanCommitMessage("fix: x (#8916 )")).toBe("fix: x");
    expect(cleanCommitMessage("fix: x (#12, #34)")).toBe("fix: x");
    expect(cleanCommitMessage("fix: x (#1234) (#1240)")).toBe("fix: x");
    expect(cleanCommitMessage("fix: don't fail on bad tags (fix #1410) (#1418)")).toBe(
      "fix: don't fail on bad tags (fix #1410)",
    );
    expect(cleanCommitMessage("fix: port (#123) to y")).toBe("fix: port (#123) to y");
    expect(cleanCommitMessage("(#1234)")).toBe("(#1234)");
    expect(cleanCommitMessage("fix: x (#1)\n\nsee (#2)")).toBe("fix: x\n\nsee (#2)");
  });

  it.each([...UNPREDICTABLE_TRAILERS])("removes %s trailers", (key) => {
    const message = `feat: x (#9)\n\nThe body stays.\nCloses #12\n\n${key}: Some One <one@example.com>\n`;
    expect(cleanCommitMessage(message)).toBe("feat: x\n\nThe body stays.\nCloses #12");
    expect(cleanCommitMessage(message.replace(key, key.toLowerCase()))).toBe(
      "feat: x\n\nThe body stays.\nCloses #12",
    );
  });

  it("removes cherry-pick lines and collapses the blank lines a removal leaves", () => {
    const message = [
      "fix: x",
      "",
      "First paragraph.",
      "",
      "Signed-off-by: A <a@example.com>",
      "",
      "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
      "",
      "* fix: a squashed commit",
      "",
      "Co-authored-by: B <b@example.com>",
      "Co-Authored-By: C <c@example.com>",
      "",
      "",
    ].join("\r\n");
    expect(cleanCommitMessage(message)).toBe("fix: x\n\nFirst paragraph.\n\n* fix: a squashed commit");
  });

  it("keeps body text and a message with nothing to strip, and cleans the rest as git commit does", () => {
    const message = "feat: x\n\nline one\nline two\n\nafter a blank\nReviewed: not a trailer key";
    expect(cleanCommitMessage(message)).toBe(message);
    expect(cleanCommitMessage("feat: x  \n\n\n\nbody \t")).toBe("feat: x\n\nbody");
    for (const text of [message, "fix: y (#2)\n\n\nSigned-off-by: A <a@b.c>\n", "\r\n(#1)\r\n"]) {
      expect(cleanCommitMessage(cleanCommitMessage(text))).toBe(cleanCommitMessage(text));
    }
    expect(cleanCommitMessage("feat: x\n\n\n")).toBe("feat: x");
    expect(cleanCommitMessage("\n\nfeat: x (#3)\n")).toBe("feat: x");
  });
});

