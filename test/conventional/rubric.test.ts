import { describe, expect, it } from "vitest";
import { DEFAULT_TYPES } from "../../lib/conventional/parser.js";
import { RUBRIC_POINTS, rubricScore } from "../../lib/conventional/rubric.js";

const score = (message: string) => rubricScore(message, DEFAULT_TYPES);

describe("rubricScore", () => {
  it("gives 100 to a message that passes every rule, and the positive rules add up to 100", () => {
    const message = "feat(parser): add support for nested scopes\n\nBody text. This change is fine here.";
    expect(message.split("\n")[0]).toHaveLength(43);
    expect(score(message)).toEqual({
      score: 100,
      total: 100,
      rules: {
        validType: 30,
        description: 20,
        header72: 20,
        lowerCaseStart: 10,
        noTrailingPeriod: 5,
        header30to60: 15,
        metaDescription: 0,
      },
      metaPhrase: null,
    });
    const positive = Object.values(RUBRIC_POINTS).filter((points) => points > 0);
    expect(positive.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("takes 5 for a trailing period and 10 for an upper-case description", () => {
    const period = score("fix(parser): handle empty input in the tokenizer.");
    expect(period.score).toBe(95);
    expect(period.rules.noTrailingPeriod).toBe(0);
    const upper = score("fix(parser): Handle empty input in the tokenizer");
    expect(upper.score).toBe(90);
    expect(upper.rules.lowerCaseStart).toBe(0);
    expect(score("fix(parser): `Tokenizer` handles empty input now").score).toBe(100);
  });

  it("scores the header length bands at their edges", () => {
    const header = (length: number) => `fix: ${"a".repeat(length - 5)}`;
    expect(score(header(29)).score).toBe(85); // ≤ 72 but under 30
    expect(score(header(30)).score).toBe(100);
    expect(score(header(60)).score).toBe(100);
    expect(score(header(61)).score).toBe(85);
    expect(score(header(72)).score).toBe(85);
    expect(score(header(73)).score).toBe(65); // neither band
    expect(score("fix: typo").score).toBe(85);
  });

  it("gives no type points outside the list and no description points to a non-conventional header", () => {
    expect(score("release: v1.2.3").rules).toMatchObject({ validType: 0, description: 20 });
    expect(score("release: v1.2.3").score).toBe(55); // 20 + 20 + 10 + 5, 15 characters
    expect(rubricScore("release: v1.2.3", ["release"]).score).toBe(85);
    // 44 characters: only the two length rules apply.
    expect(score("Update the readme file with new instructions").score).toBe(35);
    expect(score("FEAT(parser): add support for nested scopes").score).toBe(100);
  });

  it("takes 20 for a meta description and floors the total at 0", () => {
    const here = score("Here is the commit message: feat: add x");
    expect(here).toMatchObject({ score: 15, total: 15, metaPhrase: "Here is" }); // 20 + 15 - 20
    expect(score("feat: this commit adds a parser")).toMatchObject({ score: 80, metaPhrase: "this commit" });

    const chatty = score(
      "Sure! Here is a conventional commit message that describes the changes you made to the parser:\n\nfeat(parser): add x",
    );
    expect(chatty).toMatchObject({ score: 0, total: -20, metaPhrase: "Sure" });
    expect(score("").score).toBe(0);
    expect(score("").total).toBe(0);
  });

  it("matches meta phrases as whole words, and openers only at the start", () => {
    expect(score("fix(telegram): make sure to close resp.body").metaPhrase).toBeNull();
    expect(score("fix: ensure the herein described thing works").metaPhrase).toBeNull();
    expect(score("Certainly, feat: add a thing").metaPhrase).toBe("Certainly");
    expect(score("feat: add x\n\nThis commit adds x, here is why.").metaPhrase).toBeNull(); // body not read
  });
});
