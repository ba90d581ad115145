// Numbered parameters for a statement built from the filters a request gives: `p(value)` binds
// a value and returns its placeholder, so the SQL and its bindings cannot fall out of step.
export function parameters(): { binds: unknown[]; p: (value: unknown) => string } {
  const binds: unknown[] = [];
  return {
    binds,
    p: (value) => {
      binds.push(value);
      return `?${binds.length}`;
    },
  };
}
