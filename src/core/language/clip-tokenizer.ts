/**
 * CLIP's text tokens from a model folder's Hugging Face `tokenizer.json`, through
 * @huggingface/tokenizers, shaped as OpenAI's `clip.tokenize(text, truncate=True)` returns them:
 * start and end tokens, cut to the context length with the end token kept last, padded with 0.
 * (Immich pads with the pad token instead; CLIP's text encoders read the end token's position,
 * so the embedding is the same either way.)
 */
import { Tokenizer } from '@huggingface/tokenizers';

export interface ClipTokenizer {
  readonly contextLength: number;
  /** Token ids of each text, `contextLength` each, row after row. */
  encode(texts: string[]): Int32Array;
}

export function clipTokenizer(tokenizerJson: object, tokenizerConfig: object, contextLength: number): ClipTokenizer {
  const tok = new Tokenizer(tokenizerJson as never, tokenizerConfig as never);
  return {
    contextLength,
    encode(texts) {
      const out = new Int32Array(texts.length * contextLength);
      texts.forEach((text, i) => {
        const ids = tok.encode(text).ids;
        if (ids.length > contextLength) {
          const end = ids[ids.length - 1]!;
          ids.length = contextLength;
          ids[contextLength - 1] = end;
        }
        out.set(ids, i * contextLength);
      });
      return out;
    },
  };
}
