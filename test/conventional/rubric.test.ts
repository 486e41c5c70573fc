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
        notOneMessage: 0,
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

  it("gives a type outside the list, and a non-conventional header, neither type nor description points", () => {
    expect(score("release: v1.2.3").rules).toMatchObject({ validType: 0, description: 0, lowerCaseStart: 0, noTrailingPeriod: 0 });
    expect(score("release: v1.2.3").score).toBe(20); // only ≤ 72 characters; 15 characters miss the band
    expect(score("feature: add x").score).toBe(20); // `feature` is not a configured type: its description earns nothing
    expect(score("feature: add the pagination of the search api").score).toBe(35); // 46 characters: + 15
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
    // 94 characters (no length points), −20 for the meta header, −20 for the text before the real header.
    expect(chatty).toMatchObject({ score: 0, total: -40, metaPhrase: "Sure", rules: { notOneMessage: -20 } });
    expect(score("").score).toBe(0);
    expect(score("").total).toBe(0);
  });

  it("takes 20 for an output that is more than one message", () => {
    expect(score("feat(api): add pagination\n\nI chose feat because this adds a capability.")).toMatchObject({ score: 65, rules: { notOneMessage: -20 } }); // 25 chars: 85 − 20
    expect(score("feat: add pagination to the search api\nfeat: add pagination to the search api").score).toBe(80);
    expect(score("feat: add pagination to the search api\n\n```diff\n+x\n```").score).toBe(80);
    expect(score("feat: add pagination to the search api\n\nThe type is clear from the diff.").score).toBe(80);
    expect(score("feat: add pagination to the search api\n\nThis change adds it, here is why.").score).toBe(100);
  });

  it("matches meta phrases as whole words, and openers only at the start", () => {
    expect(score("fix(telegram): make sure to close resp.body").metaPhrase).toBeNull();
    expect(score("fix: ensure the herein described thing works").metaPhrase).toBeNull();
    expect(score("Certainly, feat: add a thing").metaPhrase).toBe("Certainly");
    expect(score("feat: add x\n\nThis commit adds x, here is why.").metaPhrase).toBeNull(); // body not read
  });
});
