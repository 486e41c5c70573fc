import { describe, expect, it } from "vitest";
import { BODY_META_OPENERS, BODY_META_PHRASES, HEADER_META_PHRASES, LEGACY_META_PREFIX, bodyMetaPhrase, headerMetaPhrase } from "../../lib/conventional/meta.js";
import { bodyOf, cleanCommitMessage } from "../../lib/conventional/parser.js";
import { sharedCases } from "../helpers/shared-data.js";

describe("body meta-commentary", () => {
  it.each([
    ["I chose feat because this adds a capability.", "I chose"],
    ["Note: the type is feat, since it adds an option.", "Note:"],
    ["This follows the Conventional Commits format.", "Conventional Commits"],
    ["Here's why: the scope is the parser.", "Here's"],
    ["The type is `fix` because a bug is corrected.", "The type is"],
    ["- the commit message keeps the header short", "commit message"],
    ["I've chosen a short description.", "I've chosen"],
    ["**Note:** the header is under 72 characters", "Note:"],
    ["- Here is the reasoning", "Here is"],
  ])("finds the phrase in %j", (line, phrase) => {
    expect(bodyMetaPhrase(line)).toBe(phrase);
  });

  it.each([
    "If applied, this commit will rename the option.",
    "there is a race when two writers flush at once",
    "Notes: kept for the next release",
    "denote: a field in the schema",
    "Choose the first match; I choose nothing here.",
    "The typed array is copied.",
    "that the unscoped default here is `index:`",
    "One note: CONTRIBUTING asks for `task ci`",
  ])("leaves an ordinary body line alone: %j", (line) => {
    expect(bodyMetaPhrase(line)).toBeNull();
  });

  it("has each phrase once, in lower case, every one of them found on its own", () => {
    const all = [...BODY_META_PHRASES, ...BODY_META_OPENERS];
    expect(new Set(all).size).toBe(all.length);
    for (const phrase of all) expect(phrase).toBe(phrase.toLowerCase());
    for (const phrase of BODY_META_PHRASES) expect(bodyMetaPhrase(`Well, ${phrase.toUpperCase()} x`), phrase).not.toBeNull();
    for (const phrase of BODY_META_OPENERS) {
      expect(bodyMetaPhrase(`${phrase.toUpperCase()} x`), phrase).not.toBeNull();
      expect(bodyMetaPhrase(`well ${phrase} x`), phrase).toBeNull();
    }
  });

  it.skipIf(sharedCases().length === 0)("matches 2 body lines of the 3,000 real messages, both a human's `Note:`", () => {
    const hits = sharedCases().flatMap((c) => bodyOf(cleanCommitMessage(c.expectedMessage)).split("\n").filter((line) => bodyMetaPhrase(line) !== null));
    expect(hits).toHaveLength(2);
    expect(hits.every((line) => line.startsWith("Note:"))).toBe(true);
  });
});

describe("header meta-commentary (the rubric's)", () => {
  it("finds phrases anywhere as whole words and openers only at the start", () => {
    expect(headerMetaPhrase("Here is the commit message: feat: x")).toBe("Here is");
    expect(headerMetaPhrase("feat: this commit adds a parser")).toBe("this commit");
    expect(headerMetaPhrase("Sure! feat: add x")).toBe("Sure");
    expect(headerMetaPhrase("fix(telegram): make sure to close resp.body")).toBeNull();
    expect(headerMetaPhrase("fix: ensure the herein described thing works")).toBeNull();
    expect(HEADER_META_PHRASES).toContain("commit message");
  });
});

describe("the original harness's meta rule", () => {
  it("is a case-blind prefix of the description, nothing more", () => {
    for (const description of ["Here is x", "here's x", "This is it", "summarize x", "summarizes x", "Captures y", "commit message for z"]) {
      expect(LEGACY_META_PREFIX.test(description), description).toBe(true);
    }
    for (const description of ["add here is", "summary of x", "capturing y", "thisis"]) expect(LEGACY_META_PREFIX.test(description), description).toBe(false);
  });
});
