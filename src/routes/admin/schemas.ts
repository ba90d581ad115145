// Request schemas shared by the admin routers.
import * as v from "valibot";

export const slug = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,199}$/, "must be a lower-case slug"));

/** A JSON body's text field: trimmed, not empty, at most `max` characters, no control characters but line breaks and tabs. */
export const text = (max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.nonEmpty("must not be empty"),
    v.maxLength(max, `must be at most ${max} characters`),
    v.regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/u, "must not contain control characters"),
  );

export const numericId = v.object({
  id: v.pipe(v.string(), v.regex(/^[1-9]\d{0,15}$/, "an id is a positive whole number"), v.transform(Number)),
});

export const page = (maxLimit = 200) =>
  ({
    limit: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^\d+$/, "must be a whole number"),
        v.transform(Number),
        v.minValue(1),
        v.maxValue(maxLimit),
      ),
      "50",
    ),
    offset: v.optional(
      v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.maxValue(1_000_000)),
      "0",
    ),
  }) as const;
