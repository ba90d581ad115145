// Counts the D1 statements a piece of work runs, so that a run can record what it cost: D1
// limits the queries an invocation may make (50 on the Free plan, 1,000 on Paid), and a run
// must not make more as its document grows. (`exec`, which no run uses, is not counted.)
const EXECUTE = new Set(["first", "run", "all", "raw"]);

/** `db`, counting every statement run through it (a batch counts each of its statements). */
export function countingStatements(db: D1Database): { db: D1Database; count: () => number } {
  let count = 0;
  const targets = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, key) {
        if (key === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        if (typeof key === "string" && EXECUTE.has(key)) count++;
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
    targets.set(proxy, statement);
    return proxy;
  };
  const counted = new Proxy(db, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (key === "batch")
        return (statements: D1PreparedStatement[]) => {
          count += statements.length;
          // D1 batches only its own statements: hand it what the proxies stand for.
          return target.batch(statements.map((s) => targets.get(s) ?? s));
        };
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counted, count: () => count };
}
