/**
 * The event protocol of python/train.py (python/train_events.py): one JSON
 * object per stdout line, `{"event": kind, ...}`. The schemas are strict so
 * that the protocol test (test/trainer.test.ts) catches any field that one side
 * renamed. A line that is not an event is trainer output and goes to the log.
 */
import { z } from "zod";

const step = z.int().min(0);
/** A diverged loss arrives as null (JSON has no NaN). */
const loss = z.number().nullable();

export const LossPointSchema = z.strictObject({ step, loss });
export const EvalPointSchema = z.strictObject({ step, eval_loss: loss });

export const TrainerEventSchema = z.discriminatedUnion("event", [
  z.strictObject({ event: z.literal("note"), message: z.string() }),
  z.strictObject({
    event: z.literal("start"),
    backend: z.string(),
    device: z.string(),
    base_model: z.string(),
    eos_token: z.string(),
    examples: z.int().min(0),
    validation: z.int().min(0),
    truncated: z.int().min(0),
    dropped: z.int().min(0),
    total_steps: step,
    resume_step: step,
    resumed_from: z.string().nullable(),
  }),
  z.strictObject({ event: z.literal("progress"), step, total: step, epoch: z.number() }),
  z.strictObject({ event: z.literal("step"), step, total: step, loss, lr: z.number(), epoch: z.number() }),
  z.strictObject({ event: z.literal("eval"), step, eval_loss: loss }),
  z.strictObject({ event: z.literal("checkpoint"), path: z.string(), step }),
  z.strictObject({ event: z.literal("stopped"), step, checkpoint: z.string().nullable(), runtime: z.number() }),
  z.strictObject({
    event: z.literal("done"),
    adapter: z.string(),
    steps: step,
    runtime: z.number(),
    train_loss: loss,
    eval_loss: loss,
    loss_curve: z.array(LossPointSchema),
    eval_curve: z.array(EvalPointSchema),
  }),
  z.strictObject({ event: z.literal("error"), message: z.string(), hint: z.string() }),
]);

export type TrainerEvent = z.infer<typeof TrainerEventSchema>;
export type TrainerEventOf<K extends TrainerEvent["event"]> = Extract<TrainerEvent, { event: K }>;

/** Every kind, in protocol order: the protocol test compares it with python's EVENT_FIELDS. */
export const TRAINER_EVENT_KINDS = TrainerEventSchema.options.map((option) => option.shape.event.value);

export type ParsedLine = { kind: "event"; event: TrainerEvent } | { kind: "output"; text: string } | { kind: "invalid"; text: string; problem: string };

/** Sorts one stdout line: an event, plain output, or an event-looking line that breaks the protocol. */
export function parseTrainerLine(line: string): ParsedLine {
  const text = line.trim();
  if (!text.startsWith("{")) return { kind: "output", text: line };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "output", text: line };
  }
  const parsed = TrainerEventSchema.safeParse(value);
  if (parsed.success) return { kind: "event", event: parsed.data };
  const problem = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return { kind: "invalid", text: line, problem };
}
