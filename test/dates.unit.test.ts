// scrapers/lib/dates.ts: the deadline a commitment states, in every form publications write it.
import { describe, expect, it } from "vitest";
import { findTargetDate, parliamentDueToEnd, parseTargetDate } from "../scrapers/lib/dates.ts";

describe("target dates", () => {
  const budget = { publishedOn: "2017-03-08" };

  it("without a context, reads only 'by <date>', as it always has", () => {
    expect(parseTargetDate("68% by March 2023 and 75% by March 2025")).toBe("2025-03");
    expect(parseTargetDate("by 2020-21")).toBe("2021-03");
    expect(parseTargetDate("by 2019 to 2020")).toBe("2020-03");
    expect(parseTargetDate("by the end of 2018")).toBe("2018");
    expect(parseTargetDate("from April 2016, in 2017")).toBeNull();
  });

  it("reads 'from', 'in', seasons, spans and financial years", () => {
    const target = (text: string, context = {}) => findTargetDate(text, context)?.target;
    expect(target("freezing benefits for 4 years from April 2016")).toBe("2016-04");
    expect(target("we will publish it in 2017")).toBe("2017");
    expect(target("the review will report in autumn 2015")).toBe("2015"); // a season: its year only
    expect(target("implemented from Spring 2018")).toBe("2018");
    expect(target("freeze in 2017-18")).toBe("2018-03"); // a financial year ends in March…
    expect(target("maintenance loans from 2019-20")).toBe("2019-04"); // …and starts in April
    expect(target("reduce to 19% from 2017-18, and 18% from 2020-21")).toBe("2020-04"); // the latest
    expect(target("between 2017-18 and 2019-20")).toBe("2020-03");
    expect(target("in the five years from 2019 to 2024")).toBe("2024");
    expect(target("Control Period 6 (2019-2024)")).toBe("2024");
    expect(target("through to financial year 2020 to 2021")).toBe("2021-03");
    expect(target("until April 2019")).toBe("2019-04");
    expect(target("by 7 May 2017")).toBe("2017-05");
    expect(target("in England in 2017‑18")).toBe("2018-03"); // a non-breaking hyphen
    expect(target("details for the 2020s will be set out at Autumn Budget 2017")).toBe("2017"); // a decade is no date
    expect(target("Since 2010, the government has")).toBeUndefined();
  });

  it("resolves relative dates and 'this Parliament' from the publication date, and drops past dates", () => {
    const target = (text: string) => findTargetDate(text, budget)?.target;
    expect(target("The personal allowance will rise next month, 75% higher than in 2010")).toBe("2017-04");
    expect(target("will introduce the Lifetime ISA on 6 April this year")).toBe("2017-04");
    expect(target("will be launched this spring")).toBe("2017");
    expect(target("a further round will be considered in the autumn")).toBe("2017");
    expect(target("a green paper later this year")).toBe("2017");
    expect(target("published before the end of March")).toBe("2017-03");
    expect(target("legislation next year")).toBe("2018");
    expect(target("borrowing below 2% by the end of this Parliament")).toBe("2020");
    expect(target("£20 million over the Parliament")).toBe("2020");
    expect(target("compared to the beginning of this Parliament")).toBeUndefined();
    expect(target("as announced in August 2016")).toBeUndefined(); // history
    expect(findTargetDate("balance in the next Parliament", budget)).toEqual({
      target: null,
      phrase: "in the next Parliament",
    });
    // Without a publication date nothing relative is guessed.
    expect(findTargetDate("by the end of this Parliament")).toEqual({
      target: null,
      phrase: "by the end of this Parliament",
    });
    expect(findTargetDate("next month")).toBeNull();
  });

  it("knows when each Parliament since 2010 was due to end", () => {
    expect(parliamentDueToEnd("2009-01-01")).toBeNull();
    expect(parliamentDueToEnd("2015-07-08")).toBe(2020);
    expect(parliamentDueToEnd("2017-11-29")).toBe(2022);
    expect(parliamentDueToEnd("2020-03-11")).toBe(2024);
    expect(parliamentDueToEnd("2025-01-01")).toBe(2029);
  });
});
