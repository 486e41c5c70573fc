import { describe, expect, it } from "vitest";
import { extractMessage, messageProblems } from "../../lib/conventional/message.js";
import { DEFAULT_TYPES, cleanCommitMessage, stripspace } from "../../lib/conventional/parser.js";
import { sharedCases } from "../helpers/shared-data.js";

const rules = (output: string) => messageProblems(stripspace(output), DEFAULT_TYPES).map((p) => p.rule);
const extract = (output: string) => extractMessage(output, DEFAULT_TYPES);

describe("messageProblems: exactly one message", () => {
  it("passes one message, with or without a body, bullets and trailers", () => {
    expect(rules("feat(api): add pagination")).toEqual([]);
    expect(rules("fix: x\n\nThe cache was stale.\n\n* fix: squashed one\n- chore: squashed two\nRefs: #12")).toEqual([]);
    expect(rules("feat!: drop node 16\n\nBREAKING CHANGE: node 16 is gone")).toEqual([]);
  });

  it("names each way an output is more than one message", () => {
    expect(rules("feat(api): add pagination\n\nI chose feat because this adds a capability.")).toEqual(["meta-commentary"]);
    expect(rules("feat: x\nfeat: x")).toEqual(["second-header"]);
    expect(rules("Here is the commit message:\n\nfeat: add x")).toEqual(["text-before-header"]);
    expect(rules("```\nfeat: add x\n```")).toEqual(["text-before-header", "code-fence"]);
    expect(rules("feat: add x\n\n```ts\nconst x = 1;\n```")).toEqual(["code-fence"]);
    expect(rules("")).toEqual(["empty"]);
  });

  it("does not take a body's `Note …` or an unknown type for a second header", () => {
    expect(rules("fix: x\n\nnotes: kept\nrefs: #2\nrelease: not a configured type")).toEqual([]);
    expect(rules("fix: x\n\nFEAT: another")).toEqual(["second-header"]); // types compare in lower case
  });

  it.skipIf(sharedCases().length === 0)("finds one message in nearly every real human message", () => {
    const flagged = sharedCases().filter((c) => messageProblems(cleanCommitMessage(c.expectedMessage), DEFAULT_TYPES).length > 0);
    // 50 bodies hold a code fence, 2 a second header (one of them inside a fence), 2 a `Note:` line.
    expect(flagged.length).toBeGreaterThan(40);
    expect(flagged.length).toBeLessThan(70);
  });
});

describe("extractMessage", () => {
  it.each([
    ["feat(api): add x", "feat(api): add x"],
    ["```\nfeat(api): add x\n```", "feat(api): add x"],
    ["```text\nfix: y\n\nbody\n```\nI chose fix.", "fix: y\n\nbody"],
    ["Here is the commit message:\n\n  docs: update guide  \n", "docs: update guide"],
    ["`refactor(core): simplify loop`", "refactor(core): simplify loop"],
    ["**test: add cases**", "test: add cases"],
    ["\n\n feat: leading space", "feat: leading space"],
    ["Summary: a change\nfix(cli): handle flags", "fix(cli): handle flags"], // a configured type wins over an earlier `Summary:`
    ["Summary: a change", "Summary: a change"], // no configured type: the first header of any type
    ['Revert "fix(router): restore hash mode"', 'Revert "fix(router): restore hash mode"'],
    ["Updated the files.", "Updated the files."],
  ])("%j → %j", (output, message) => {
    expect(extract(output)).toBe(message);
  });
});
