/**
 * Recall figures and the model card: defined once here, validated inside every bundle by the
 * engine and shown by every front end through the contract.
 */
import { z } from 'zod';

export const MetricsSchema = z.object({
  r1: z.number(),
  r5: z.number(),
  r10: z.number(),
  medr: z.number(),
  meanr: z.number(),
});
export type Metrics = z.infer<typeof MetricsSchema>;

export const RecallSummarySchema = z.object({ i2t: MetricsSchema, t2i: MetricsSchema, rsum: z.number() });
export type RecallSummary = z.infer<typeof RecallSummarySchema>;

export const ModelCardSchema = z.object({
  name: z.string(),
  description: z.string().default(''),
  trainingData: z.array(
    z.object({ description: z.string(), images: z.number(), captions: z.number(), licence: z.string().optional() }),
  ),
  /** Recall on the validation or evaluation data named in `split`. */
  recall: z
    .array(z.object({ split: z.string(), images: z.number(), captions: z.number(), metrics: RecallSummarySchema }))
    .default([]),
  finetune: z
    .object({
      from: z.string(),
      pairs: z.number(),
      heldOutImages: z.number(),
      newWords: z.number(),
      before: RecallSummarySchema,
      after: RecallSummarySchema,
    })
    .optional(),
  training: z
    .object({ backend: z.string(), seconds: z.number(), steps: z.number(), epochs: z.number(), bestStep: z.number() })
    .optional(),
  notes: z.array(z.string()).default([]),
  /** Where the weights come from when Glimpse did not train them: a released VSE++ run. */
  origin: z.literal('vsepp-released').optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
