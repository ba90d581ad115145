// Dates as publications write them: a commitment's deadline, a publication date.

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

// "by 2030", "by March 2025", "by the end of 2018", and UK financial years: "by 2020-21", "by 2020/21",
// "by 2019 to 2020", which end in March of their second year.
const DEADLINE = new RegExp(
  `\\bby (?:the end of |end |the )?(?:(${MONTHS.join("|")}) )?((?:19|20)\\d{2})(?:(?:-|–|/| to )((?:19|20)?\\d{2}))?(?![\\d/])`,
  "gi",
);

/**
 * The deadline a commitment states, as "YYYY" or "YYYY-MM": the latest "by <date>" in the
 * text, since interim milestones ("68% by March 2023") come before the final target.
 *
 * Given a context, it reads every form `findTargetDate` knows ("from April 2016", "in 2017",
 * "in autumn 2015", "by the end of this Parliament", "next month"…) instead.
 */
export function parseTargetDate(text: string, context?: DateContext): string | null {
  if (context) return findTargetDate(text, context)?.target ?? null;
  let latest: { value: string; sortKey: number } | null = null;
  for (const match of text.matchAll(DEADLINE)) {
    let year = Number(match[2]);
    let month = match[1] ? MONTHS.indexOf(match[1].toLowerCase()) + 1 : 0;
    if (match[3] && !match[1]) {
      // A financial year: its second year must follow the first.
      const second = Number(match[3].length === 2 ? `${String(year).slice(0, 2)}${match[3]}` : match[3]);
      if (second !== year + 1) continue;
      year = second;
      month = 3;
    }
    const sortKey = year * 100 + (month || 12);
    const value = month ? `${year}-${String(month).padStart(2, "0")}` : String(year);
    if (!latest || sortKey > latest.sortKey) latest = { value, sortKey };
  }
  return latest?.value ?? null;
}

export interface DateContext {
  /** When the text was first published (YYYY-MM-DD): resolves "next month", "this Parliament", and drops past dates. */
  publishedOn?: string | null;
}

export interface TargetDate {
  /** "YYYY" or "YYYY-MM"; null when the text names a time no date can be given for ("in the next Parliament"). */
  target: string | null;
  /** The words it was read from. */
  phrase: string;
}

const MONTH = `(?:${MONTHS.join("|")})`;
const SEASONS = { spring: 5, summer: 8, autumn: 11, winter: 2 } as const; // the month each ends in
const SEASON = "(?:spring|summer|autumn|winter)";
const YEAR = "(?:19|20)\\d{2}";
const DASH = "[-–‑/]";
// A financial year ("2020-21", "2020/21", "2019 to 2020") or a span of years ("2019-2024", "2018 to 2020").
const YEARS = `${YEAR}(?:${DASH}|\\s+to\\s+)(?:${YEAR}|\\d{2})`;
/** One date, loosest last: a span of years, a day and month, a month, a season, a year. */
const DATE = `(?:(?:the\\s+)?financial\\s+year\\s+)?(?:(?:the\\s+)?(?:end|start|beginning|middle)\\s+(?:of\\s+)?(?:the\\s+)?|early\\s+|late\\s+|mid-?)?(?:${YEARS}|(?:\\d{1,2}(?:st|nd|rd|th)?\\s+)?${MONTH}\\s+${YEAR}|${SEASON}\\s+${YEAR}|${YEAR})(?![\\d%]|s\\b)`;
/** Words that say which end of a span is meant: its start ("from 2017-18") or, otherwise, its end ("by", "in", "during"). */
const FROM = "from|starting(?:\\s+in|\\s+from)?|beginning(?:\\s+in)?|with\\s+effect\\s+from|on|at|after";
const LEAD = `by|before|until|till|through(?:\\s+to)?|to|in|during|for|over|within|across|ahead\\s+of|${FROM}`;
const STARTS = new RegExp(`^(?:${FROM})$`, "i");
const SPAN = new RegExp(`\\b(?:between|from)\\s+(${DATE})\\s+(?:and|to|until)\\s+(${DATE})`, "gi");
const LED = new RegExp(`\\b(${LEAD})\\s+(?:the\\s+)?(${DATE})`, "gi");
// A span of years or a financial year stands on its own: "Control Period 6 (2019-2024)", "Fuel Duty: freeze 2017-18".
const BARE = new RegExp(`(?<![\\w£$%.,-])(${YEARS})(?![\\d%])`, "gi");
// A fiscal event named with its year: "at Autumn Budget 2017".
const EVENT = new RegExp(
  `\\bat\\s+(?:the\\s+)?(?:${SEASON}\\s+)?(?:Budget|Statement|Spending\\s+Review)\\s+(${YEAR})\\b`,
  "gi",
);
const PARLIAMENT =
  /\b((?:by|before|until|over|in|during|for|across|throughout|within)\s+(?:the\s+)?(?:(?:end|course|life|lifetime|rest|remainder)\s+of\s+)?|(?:the\s+)?(?:end|course|life|lifetime|rest|remainder)\s+of\s+)?(this|the|next)\s+Parliament\b/gi;
/** What every pattern needs at least one of (a year's digits, "Parliament", RELATIVE's words). */
const MIGHT_NAME_A_DATE = new RegExp(`\\d|parliament|month|year|${SEASON}|${MONTH}`, "i");
/** What SPAN, EVENT, LED and BARE each need; PARLIAMENT needs its word. */
const HAS_YEAR = new RegExp(YEAR);
const HAS_PARLIAMENT = /parliament/i;
const RELATIVE = new RegExp(
  `\\b(?:(next|this)\\s+month|(?:later\\s+|earlier\\s+)?this\\s+year|next\\s+year|(?:this|in\\s+the|over\\s+the|later\\s+this)\\s+(${SEASON})|(?:(?:from|by|before|until)\\s+(?:the\\s+end\\s+of\\s+)?|this\\s+|\\d{1,2}\\s+)(${MONTH})(?:\\s+this\\s+year)?(?!\\s+\\d))`,
  "gi",
);

interface Point {
  year: number;
  /** 0 when only the year is known. */
  month: number;
  phrase: string;
}

const sortKey = (p: Point) => p.year * 100 + (p.month || 12);
const monthOf = (name: string) => MONTHS.indexOf(name.toLowerCase()) + 1;

/** Reads one DATE match as the start or the end of the time it names. */
function pointOf(date: string, end: "start" | "end"): Point | null {
  const span = new RegExp(`(${YEAR})(?:${DASH}|\\s+to\\s+)(${YEAR}|\\d{2})`, "i").exec(date);
  if (span) {
    const first = Number(span[1]);
    const second = Number(span[2]!.length === 2 ? `${span[1]!.slice(0, 2)}${span[2]}` : span[2]);
    if (second === first + 1)
      return end === "start" ? { year: first, month: 4, phrase: date } : { year: second, month: 3, phrase: date };
    if (second <= first) return null; // "2019-17" is no time at all
    return { year: end === "start" ? first : second, month: 0, phrase: date };
  }
  const month = new RegExp(`(${MONTH})\\s+(${YEAR})`, "i").exec(date);
  if (month) return { year: Number(month[2]), month: monthOf(month[1]!), phrase: date };
  const year = new RegExp(`(${YEAR})`).exec(date);
  // A season is only sure of its year ("autumn 2015" → "2015").
  return year ? { year: Number(year[1]), month: 0, phrase: date } : null;
}

/**
 * The UK general elections since Parliaments got fixed terms, with the date each Parliament was
 * due to end when it began: under the Fixed-term Parliaments Act 2011 (May of the fifth year),
 * and after its repeal in 2022 at the latest five years after it first met.
 */
const PARLIAMENTS: { elected: string; dueToEnd: number }[] = [
  { elected: "2010-05-06", dueToEnd: 2015 },
  { elected: "2015-05-07", dueToEnd: 2020 },
  { elected: "2017-06-08", dueToEnd: 2022 },
  { elected: "2019-12-12", dueToEnd: 2024 },
  { elected: "2024-07-04", dueToEnd: 2029 },
];

/** The year the Parliament sitting on a date was due to end; null before 2010-05-06 or if unknown. */
export function parliamentDueToEnd(on: string): number | null {
  const current = PARLIAMENTS.filter((p) => p.elected <= on).pop();
  return current?.dueToEnd ?? null;
}

/**
 * The date a commitment is for, read from every form GOV.UK publications use: "by March 2025",
 * "by 2020-21", "from April 2016", "in 2017", "in autumn 2015", "during 2018", "from 2019 to
 * 2024", "between 2017-18 and 2019-20", "until April 2019", "at Autumn Budget 2017", "by the end
 * of this Parliament", and, given when the text was published, "next month", "this spring",
 * "later this year", "from this April". The latest date wins, as in `parseTargetDate`: "from" a
 * financial year is its April, any other mention of it is its March. With `publishedOn`, dates
 * before the publication's month are history, not targets, and are left out. "This Parliament"
 * resolves to the year it was due to end only when `publishedOn` says which Parliament it was;
 * otherwise, and for "the next Parliament", the result has the phrase and a null target. Null
 * when the text names no date at all.
 */
export function findTargetDate(text: string, context: DateContext = {}): TargetDate | null {
  // Most sentences name no date: every form below needs a digit, "Parliament", or a word of
  // RELATIVE, so a text with none of them is passed over without running the patterns.
  if (!MIGHT_NAME_A_DATE.test(text)) return null;
  const published = context.publishedOn ? /^(\d{4})-(\d{2})/.exec(context.publishedOn) : null;
  const now = published ? { year: Number(published[1]), month: Number(published[2]) } : null;
  const points: Point[] = [];
  let undated: string | null = null;
  let rest = text;
  /** Reads every match of `regex` in what is left of the text, then blanks it out so that no date is read twice. */
  const take = (regex: RegExp, read: (match: RegExpExecArray, before: string) => void) => {
    const matches = [...rest.matchAll(regex)];
    for (const match of matches) read(match, rest.slice(0, match.index));
    for (const match of matches)
      rest = rest.slice(0, match.index) + " ".repeat(match[0].length) + rest.slice(match.index + match[0].length);
  };
  const push = (point: Point | null) => {
    if (point) points.push(point);
  };

  // A pattern that needs what the text lacks is not run: blanking matches out never makes a
  // year or a word, so the rest lacks it too.
  if (HAS_YEAR.test(text)) {
    take(SPAN, (m) => push(pointOf(m[2]!, "end")));
    take(EVENT, (m) => push({ year: Number(m[1]), month: 0, phrase: m[0] }));
    take(LED, (m) => push(pointOf(m[2]!, STARTS.test(m[1]!) ? "start" : "end")));
    take(BARE, (m) => push(pointOf(m[1]!, "end")));
  }
  if (HAS_PARLIAMENT.test(text))
    take(PARLIAMENT, (m, before) => {
      const [, lead, which] = m;
      // "Parliament" alone is the institution; "since the beginning of this Parliament" is history.
      if (which!.toLowerCase() === "the" && !lead) return;
      if (/\b(?:beginning|start|since)(?:\s+of)?\s*$/i.test(before)) return;
      if (which!.toLowerCase() === "next") {
        // "in the next Parliament" is a commitment no date can be given for; "over the next Parliament and beyond", an outlook.
        if (/^in\b/i.test(m[0])) undated ??= m[0];
        return;
      }
      const due = context.publishedOn ? parliamentDueToEnd(context.publishedOn) : null;
      if (due) push({ year: due, month: 0, phrase: m[0] });
      else undated ??= m[0];
    });
  if (now)
    take(RELATIVE, (m) => {
      const [phrase, monthWord, season, monthName] = m;
      if (monthWord) {
        // "next month", "this month"
        const month = now.month + (monthWord.toLowerCase() === "next" ? 1 : 0);
        push({ year: now.year + (month > 12 ? 1 : 0), month: ((month - 1) % 12) + 1, phrase });
      } else if (monthName) {
        // "from April", "this April", "6 April this year", "before the end of March": the next such month
        const month = monthOf(monthName);
        push({ year: now.year + (month < now.month ? 1 : 0), month, phrase });
      } else if (season) {
        // "this spring", "in the autumn", "over the summer": the next such season; which winter is unclear
        const ends = SEASONS[season.toLowerCase() as keyof typeof SEASONS];
        if (season.toLowerCase() !== "winter") push({ year: now.year + (ends < now.month ? 1 : 0), month: 0, phrase });
      } else {
        // "this year", "later this year", "next year"
        push({ year: now.year + (/^next/i.test(phrase) ? 1 : 0), month: 0, phrase });
      }
    });

  const future = now ? points.filter((p) => sortKey(p) >= now.year * 100 + (p.month ? now.month : 12)) : points;
  if (future.length === 0) {
    if (undated) return { target: null, phrase: undated };
    return null;
  }
  const latest = future.reduce((a, b) => (sortKey(b) > sortKey(a) ? b : a));
  const target = latest.month ? `${latest.year}-${String(latest.month).padStart(2, "0")}` : String(latest.year);
  return { target, phrase: latest.phrase.trim() };
}

/** "17 February 2023" → "2023-02-17"; null if the text is not such a date. */
export function parseLongDate(text: string): string | null {
  const match = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(text.trim());
  if (!match) return null;
  const month = MONTHS.indexOf(match[2]!.toLowerCase()) + 1;
  if (month === 0) return null;
  return `${match[3]}-${String(month).padStart(2, "0")}-${match[1]!.padStart(2, "0")}`;
}
