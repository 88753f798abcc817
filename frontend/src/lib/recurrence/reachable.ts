// A fast guard for the preview: could the rule match any day before a limit? The `rrule` package (like
// dateutil) checks UNTIL only on days that match, so a rule that never matches ("30 February", or every 7
// days on Tuesdays from a Monday) makes it scan day by day to the year 9999: seconds in a browser. This
// walks the days up to the limit with the rule's day filters; it may say yes for a rule that then does not
// match (it ignores BYWEEKNO, BYEASTER, BYSETPOS and ordinals), never no for one that does.

import { type Wall } from "../datetime/zones";
import type { ParsedRule } from "./rule";

const DAY_MS = 86_400_000;

const list = (value: unknown): number[] | null =>
  Array.isArray(value) && value.length > 0 ? value.map((v) => (typeof v === "number" ? v : v.weekday)) : null;

export function mayOccur(rule: ParsedRule, start: Wall, limit: Wall): boolean {
  const { options, freq, interval } = rule;
  const first = new Date(start);
  const startDay = Math.floor(start / DAY_MS);
  const startHour = Math.floor(start / 3_600_000);
  const wkst = typeof options.wkst === "number" ? options.wkst : 0;
  const weekOf = (day: number) => Math.floor((day + 3 - wkst) / 7); // 1970-01-01 was a Thursday (3)
  const monthOf = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();

  const byhour = list(options.byhour);
  let bymonth = list(options.bymonth);
  let bymonthday = list(options.bymonthday);
  let byweekday = list(options.byweekday);
  const byyearday = list(options.byyearday);
  // dateutil's defaults when no day filter is given: the start's weekday, day of month, month and day.
  if (!bymonthday && !byweekday && !byyearday && !options.byweekno && options.byeaster == null) {
    if (freq === "WEEKLY") byweekday = [(first.getUTCDay() + 6) % 7];
    if (freq === "MONTHLY" || freq === "YEARLY") bymonthday = [first.getUTCDate()];
    if (freq === "YEARLY" && !bymonth) bymonth = [first.getUTCMonth() + 1];
  }

  const inPeriod = (day: number, date: Date): boolean => {
    switch (freq) {
      case "DAILY":
        return (day - startDay) % interval === 0;
      case "WEEKLY":
        return (weekOf(day) - weekOf(startDay)) % interval === 0;
      case "MONTHLY":
        return (monthOf(date) - monthOf(first)) % interval === 0;
      case "YEARLY":
        return (date.getUTCFullYear() - first.getUTCFullYear()) % interval === 0;
      case "HOURLY": {
        // Some hour of this day lies on the series' hour grid and passes BYHOUR.
        const from = Math.max(day * 24, startHour);
        const firstOnGrid = from + ((((startHour - from) % interval) + interval) % interval);
        for (let hour = firstOnGrid; hour < day * 24 + 24; hour += interval) {
          if (!byhour || byhour.includes(hour % 24)) return true;
        }
        return false;
      }
    }
  };

  for (let day = startDay; day * DAY_MS <= limit; day++) {
    const date = new Date(day * DAY_MS);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth();
    const monthDay = date.getUTCDate();
    const monthLength = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const yearDay = (Date.UTC(year, month, monthDay) - Date.UTC(year, 0, 1)) / DAY_MS + 1;
    const yearLength = new Date(Date.UTC(year, 1, 29)).getUTCDate() === 29 ? 366 : 365;
    if (
      (!bymonth || bymonth.includes(month + 1)) &&
      (!bymonthday || bymonthday.includes(monthDay) || bymonthday.includes(monthDay - monthLength - 1)) &&
      (!byyearday || byyearday.includes(yearDay) || byyearday.includes(yearDay - yearLength - 1)) &&
      (!byweekday || byweekday.includes((date.getUTCDay() + 6) % 7)) &&
      inPeriod(day, date)
    ) {
      return true;
    }
  }
  return false;
}
