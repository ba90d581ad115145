// The part of papaparse that the Worker uses (scrapers/lib/csv.ts parses a string in memory).
// @types/papaparse references Node's types, which Worker code must not see: src/tsconfig.json
// maps "papaparse" here instead. Tests and scripts, in their own worlds, use @types/papaparse.
declare const Papa: {
  parse<T>(
    input: string,
    config?: {
      skipEmptyLines?: boolean | "greedy";
      preview?: number;
      delimiter?: string;
      newline?: "\r" | "\n" | "\r\n";
    },
  ): {
    data: T[];
    errors: { type: "Quotes" | "Delimiter" | "FieldMismatch"; code: string; message: string; row?: number }[];
    meta: { delimiter: string; linebreak: string };
  };
};
export default Papa;
