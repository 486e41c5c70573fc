/**
 * Meta-commentary: text in which a model talks about the message it wrote
 * instead of about the change. Every list of such phrases lives here, each
 * with the one place it is used, so that they are read, changed and tested
 * together (test/conventional/meta.test.ts).
 */

/**
 * In a header (the rubric's −20, `rubric.ts`): a chatty model presenting its
 * answer ("Here is the commit message: …", "feat: this commit adds …"),
 * matched anywhere in the header, case-insensitively, as whole words. Only the
 * header is read this way: human bodies often say "This change …". A real
 * header can trip it (`fix: strip the commit message for calculating length`,
 * 5 of 600 in commitizen).
 */
export const HEADER_META_PHRASES = ["here is", "here's", "here’s", "this commit", "this change", "the following", "commit message"] as const;

/**
 * Chatty openers, meta only at the very start of the header ("Sure! …",
 * "Certainly, …"): anywhere else `sure` is ordinary English ("fix: make sure …").
 */
export const META_OPENERS = ["sure", "certainly", "of course"] as const;

/**
 * In a body line (formatCompliance's "exactly one message", `message.ts`): a
 * line that explains the message ("I chose feat because …", "The type is …"),
 * not the change. Whole words, case-insensitive, anywhere in the line.
 * Chosen against the 3,000 real messages of ../shared/data: "this commit" is
 * left out (12 human body lines say "If applied, this commit will …") and so
 * is "i used" (5); with BODY_META_OPENERS the lists match 2 human body lines,
 * both "Note: …" (DESIGN §6 names `note:`).
 */
export const BODY_META_PHRASES = [
  "commit message",
  "conventional commit",
  "conventional commits",
  "i chose",
  "i've chosen",
  "i have chosen",
  "i picked",
  "i selected",
  "the type is",
  "the scope is",
  "the subject is",
  "the description is",
] as const;

/**
 * Meta only at the start of a body line (after spaces, a bullet or emphasis):
 * "Here is why …", "Note: …". Inside a line they are ordinary English
 * ("the default here is `index:`", "One note: …", both human).
 */
export const BODY_META_OPENERS = ["here is", "here's", "here’s", "note:"] as const;

/**
 * The original Java harness's meta rule (legacy score, `lib/benchmark/legacy.ts`),
 * exactly as it was: the description *starts with* one of these, case-blind.
 * Kept apart from the lists above because it is a fixed historical rule.
 */
export const LEGACY_META_PREFIX = /^(?:here is|here's|this is|this commit|i would|i can|based on|the following|a short|short commit|commit description|commit message|summarizes?|captures?)/i;

const escape = (phrase: string): string => phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const WORD_START = String.raw`(?<![\p{L}\p{N}_])`;
/** After a phrase ending in a letter, no letter may follow; `note:` ends in punctuation and needs nothing. */
const WORD_END = String.raw`(?![\p{L}\p{N}_])`;
const phrases = (list: readonly string[]) => list.map(escape).join("|");

const HEADER_META = new RegExp(
  String.raw`^\s*(?:${phrases(META_OPENERS)})${WORD_END}|${WORD_START}(?:${phrases(HEADER_META_PHRASES)})${WORD_END}`,
  "iu",
);
const BODY_META = new RegExp(
  String.raw`^[\s>*_-]*(?:${phrases(BODY_META_OPENERS)})(?:${WORD_END}|(?<=:))|${WORD_START}(?:${phrases(BODY_META_PHRASES)})${WORD_END}`,
  "iu",
);

/** The meta phrase in a header, as written, or null. */
export function headerMetaPhrase(header: string): string | null {
  const match = HEADER_META.exec(header);
  return match ? match[0].trim() : null;
}

/** The meta phrase in a body line, as written, or null. */
export function bodyMetaPhrase(line: string): string | null {
  return BODY_META.exec(line)?.[0].replace(/^[\s>*_-]+/, "") ?? null;
}
