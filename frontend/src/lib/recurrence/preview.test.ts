// The preview must give the server's instants: the table below was produced by calling
// recurrence_app.occurrences.next_occurrence (series_start = due date, after = the previous occurrence,
// starting one second before the due date) for each case, and is hard-coded here.

import { describe, expect, it } from "vitest";
import { previewOccurrences } from "./preview";
import { InvalidRuleError } from "./rule";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace(".000Z", "Z"));

interface ServerCase {
  name: string;
  rule: string;
  dueDate: string;
  timeZone: string;
  count: number;
  end?: string;
  server: string[];
}

const SERVER_CASES: ServerCase[] = [
  {
    name: "NY daily 09:00 across spring forward",
    rule: "DAILY", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z", "2027-03-16T13:00:00Z"],
  },
  {
    name: "NY daily 09:00 across fall back",
    rule: "FREQ=DAILY", dueDate: "2027-11-05T13:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-11-05T13:00:00Z", "2027-11-06T13:00:00Z", "2027-11-07T14:00:00Z", "2027-11-08T14:00:00Z", "2027-11-09T14:00:00Z"],
  },
  {
    name: "Berlin daily 09:00 across 2027-03-28",
    rule: "FREQ=DAILY", dueDate: "2027-03-26T08:00:00Z", timeZone: "Europe/Berlin", count: 5,
    server: ["2027-03-26T08:00:00Z", "2027-03-27T08:00:00Z", "2027-03-28T07:00:00Z", "2027-03-29T07:00:00Z", "2027-03-30T07:00:00Z"],
  },
  {
    name: "Berlin daily 09:00 across 2027-10-31",
    rule: "FREQ=DAILY", dueDate: "2027-10-29T07:00:00Z", timeZone: "Europe/Berlin", count: 5,
    server: ["2027-10-29T07:00:00Z", "2027-10-30T07:00:00Z", "2027-10-31T08:00:00Z", "2027-11-01T08:00:00Z", "2027-11-02T08:00:00Z"],
  },
  {
    name: "NY 02:30 falls in the gap on 2027-03-14",
    rule: "FREQ=DAILY", dueDate: "2027-03-13T07:30:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z", "2027-03-16T06:30:00Z"],
  },
  {
    name: "Berlin 02:30 falls in the gap on 2027-03-28",
    rule: "FREQ=DAILY", dueDate: "2027-03-27T01:30:00Z", timeZone: "Europe/Berlin", count: 3,
    server: ["2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"],
  },
  {
    name: "NY 01:30 is repeated on 2027-11-07 (first reading)",
    rule: "FREQ=DAILY", dueDate: "2027-11-06T05:30:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-11-06T05:30:00Z", "2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"],
  },
  {
    name: "Berlin 02:30 is repeated on 2027-10-31 (first reading)",
    rule: "FREQ=DAILY", dueDate: "2027-10-30T00:30:00Z", timeZone: "Europe/Berlin", count: 3,
    server: ["2027-10-30T00:30:00Z", "2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"],
  },
  {
    name: "start at the second 01:30 (EST): 01:45 takes its second reading",
    rule: "FREQ=DAILY;BYMINUTE=30,45", dueDate: "2027-11-07T06:30:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-11-07T06:30:00Z", "2027-11-07T06:45:00Z", "2027-11-08T06:30:00Z", "2027-11-08T06:45:00Z"],
  },
  {
    name: "hourly across the gap",
    rule: "FREQ=HOURLY", dueDate: "2027-03-14T05:30:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-14T05:30:00Z", "2027-03-14T06:30:00Z", "2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z", "2027-03-14T08:30:00Z"],
  },
  {
    name: "hourly visits the repeated hour once",
    rule: "FREQ=HOURLY", dueDate: "2027-11-07T04:30:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-11-07T04:30:00Z", "2027-11-07T05:30:00Z", "2027-11-07T07:30:00Z", "2027-11-07T08:30:00Z"],
  },
  {
    name: "half-hourly walls in the gap collapse to one instant",
    rule: "FREQ=HOURLY;BYMINUTE=0,30", dueDate: "2027-03-14T06:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-14T06:00:00Z", "2027-03-14T06:30:00Z", "2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z", "2027-03-14T08:00:00Z"],
  },
  {
    name: "half-hourly collapse with COUNT (the skipped walls still count)",
    rule: "FREQ=HOURLY;BYMINUTE=0,30;COUNT=5", dueDate: "2027-03-14T06:00:00Z", timeZone: "America/New_York", count: 10,
    server: ["2027-03-14T06:00:00Z", "2027-03-14T06:30:00Z", "2027-03-14T07:00:00Z"],
  },
  {
    name: "last day of the month from 31 Jan of a leap year",
    rule: "FREQ=MONTHLY;BYMONTHDAY=-1", dueDate: "2028-01-31T14:00:00Z", timeZone: "America/New_York", count: 6,
    server: ["2028-01-31T14:00:00Z", "2028-02-29T14:00:00Z", "2028-03-31T13:00:00Z", "2028-04-30T13:00:00Z", "2028-05-31T13:00:00Z", "2028-06-30T13:00:00Z"],
  },
  {
    name: "last day of the month from 31 Jan of a common year",
    rule: "FREQ=MONTHLY;BYMONTHDAY=-1", dueDate: "2027-01-31T14:00:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-01-31T14:00:00Z", "2027-02-28T14:00:00Z", "2027-03-31T13:00:00Z", "2027-04-30T13:00:00Z"],
  },
  {
    name: "monthly on the 31st skips shorter months",
    rule: "FREQ=MONTHLY;BYMONTHDAY=31", dueDate: "2027-01-31T08:00:00Z", timeZone: "Europe/Berlin", count: 5,
    server: ["2027-01-31T08:00:00Z", "2027-03-31T07:00:00Z", "2027-05-31T07:00:00Z", "2027-07-31T07:00:00Z", "2027-08-31T07:00:00Z"],
  },
  {
    name: "bare MONTHLY from the 30th skips February",
    rule: "MONTHLY", dueDate: "2027-01-30T08:00:00Z", timeZone: "Europe/Berlin", count: 4,
    server: ["2027-01-30T08:00:00Z", "2027-03-30T07:00:00Z", "2027-04-30T07:00:00Z", "2027-05-30T07:00:00Z"],
  },
  {
    name: "monthly on the 30th from a start that does not match",
    rule: "FREQ=MONTHLY;BYMONTHDAY=30", dueDate: "2027-01-15T08:00:00Z", timeZone: "Europe/Berlin", count: 4,
    server: ["2027-01-15T08:00:00Z", "2027-01-30T08:00:00Z", "2027-03-30T07:00:00Z", "2027-04-30T07:00:00Z"],
  },
  {
    name: "COUNT=3 counts the due date",
    rule: "FREQ=DAILY;COUNT=3", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z"],
  },
  {
    name: "COUNT with an unmatched start (Wednesday, rule on Mondays)",
    rule: "FREQ=WEEKLY;BYDAY=MO;COUNT=3", dueDate: "2027-03-10T14:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-10T14:00:00Z", "2027-03-15T13:00:00Z", "2027-03-22T13:00:00Z"],
  },
  {
    name: "COUNT=1 is the due date alone",
    rule: "FREQ=DAILY;COUNT=1", dueDate: "2027-03-10T14:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-10T14:00:00Z"],
  },
  {
    name: "date-only UNTIL runs to the end of that local day",
    rule: "FREQ=DAILY;UNTIL=20270316", dueDate: "2027-03-13T04:00:00Z", timeZone: "America/New_York", count: 6,
    server: ["2027-03-13T04:00:00Z", "2027-03-14T04:00:00Z", "2027-03-15T03:00:00Z", "2027-03-16T03:00:00Z", "2027-03-17T03:00:00Z"],
  },
  {
    name: "date-only UNTIL is the local day, not the UTC day (Auckland)",
    rule: "FREQ=DAILY;UNTIL=20270305", dueDate: "2027-03-01T10:30:00Z", timeZone: "Pacific/Auckland", count: 6,
    server: ["2027-03-01T10:30:00Z", "2027-03-02T10:30:00Z", "2027-03-03T10:30:00Z", "2027-03-04T10:30:00Z", "2027-03-05T10:30:00Z"],
  },
  {
    name: "UTC UNTIL is an inclusive instant",
    rule: "FREQ=DAILY;UNTIL=20270316T130000Z", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 8,
    server: ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z", "2027-03-16T13:00:00Z"],
  },
  {
    name: "UTC UNTIL one second earlier excludes that day",
    rule: "FREQ=DAILY;UNTIL=20270316T125959Z", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 8,
    server: ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z"],
  },
  {
    name: "local date-time UNTIL is inclusive wall time",
    rule: "FREQ=DAILY;UNTIL=20270316T090000", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 8,
    server: ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z", "2027-03-16T13:00:00Z"],
  },
  {
    name: "UNTIL before the due date still keeps the due date",
    rule: "FREQ=DAILY;UNTIL=20270301", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 3,
    server: [],
  },
  {
    name: "weekly on Monday and Thursday",
    rule: "FREQ=WEEKLY;BYDAY=MO,TH", dueDate: "2027-03-01T14:00:00Z", timeZone: "America/New_York", count: 6,
    server: ["2027-03-01T14:00:00Z", "2027-03-04T14:00:00Z", "2027-03-08T14:00:00Z", "2027-03-11T14:00:00Z", "2027-03-15T13:00:00Z", "2027-03-18T13:00:00Z"],
  },
  {
    name: "every 2 weeks on Tuesday and Friday",
    rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,FR", dueDate: "2027-03-02T09:00:00Z", timeZone: "Europe/London", count: 6,
    server: ["2027-03-02T09:00:00Z", "2027-03-05T09:00:00Z", "2027-03-16T09:00:00Z", "2027-03-19T09:00:00Z", "2027-03-30T08:00:00Z", "2027-04-02T08:00:00Z"],
  },
  {
    name: "every 2 weeks from Sunday with WKST=SU",
    rule: "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,SU", dueDate: "2027-03-07T09:00:00Z", timeZone: "Europe/London", count: 5,
    server: ["2027-03-07T09:00:00Z", "2027-03-08T09:00:00Z", "2027-03-21T09:00:00Z", "2027-03-22T09:00:00Z", "2027-04-04T08:00:00Z"],
  },
  {
    name: "every 2 weeks from Sunday with the default WKST=MO",
    rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU", dueDate: "2027-03-07T09:00:00Z", timeZone: "Europe/London", count: 5,
    server: ["2027-03-07T09:00:00Z", "2027-03-15T09:00:00Z", "2027-03-21T09:00:00Z", "2027-03-29T08:00:00Z", "2027-04-04T08:00:00Z"],
  },
  {
    name: "weekdays from a Friday",
    rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", dueDate: "2027-03-05T14:00:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-03-05T14:00:00Z", "2027-03-08T14:00:00Z", "2027-03-09T14:00:00Z", "2027-03-10T14:00:00Z"],
  },
  {
    name: "bare WEEKLY keeps the due date's weekday",
    rule: "WEEKLY", dueDate: "2027-03-11T14:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-11T14:00:00Z", "2027-03-18T13:00:00Z", "2027-03-25T13:00:00Z"],
  },
  {
    name: "local weekday, not UTC weekday (Tokyo Monday 08:00 is Sunday in UTC)",
    rule: "FREQ=WEEKLY;BYDAY=MO", dueDate: "2027-03-07T23:00:00Z", timeZone: "Asia/Tokyo", count: 3,
    server: ["2027-03-07T23:00:00Z", "2027-03-14T23:00:00Z", "2027-03-21T23:00:00Z"],
  },
  {
    name: "yearly on 29 February",
    rule: "YEARLY", dueDate: "2028-02-29T17:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2028-02-29T17:00:00Z", "2032-02-29T17:00:00Z", "2036-02-29T17:00:00Z"],
  },
  {
    name: "yearly on the last day of February",
    rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", dueDate: "2028-02-29T17:00:00Z", timeZone: "America/New_York", count: 4,
    server: ["2028-02-29T17:00:00Z", "2029-02-28T17:00:00Z", "2030-02-28T17:00:00Z", "2031-02-28T17:00:00Z"],
  },
  {
    name: "monthly on the last Friday",
    rule: "FREQ=MONTHLY;BYDAY=-1FR", dueDate: "2027-01-29T15:00:00Z", timeZone: "America/Chicago", count: 4,
    server: ["2027-01-29T15:00:00Z", "2027-02-26T15:00:00Z", "2027-03-26T14:00:00Z", "2027-04-30T14:00:00Z"],
  },
  {
    name: "monthly on the 2nd Tuesday",
    rule: "FREQ=MONTHLY;BYDAY=2TU", dueDate: "2027-01-12T15:00:00Z", timeZone: "America/Chicago", count: 4,
    server: ["2027-01-12T15:00:00Z", "2027-02-09T15:00:00Z", "2027-03-09T15:00:00Z", "2027-04-13T14:00:00Z"],
  },
  {
    name: "monthly on the last weekday (BYSETPOS)",
    rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", dueDate: "2027-01-29T15:00:00Z", timeZone: "America/Chicago", count: 5,
    server: ["2027-01-29T15:00:00Z", "2027-02-26T15:00:00Z", "2027-03-31T14:00:00Z", "2027-04-30T14:00:00Z", "2027-05-31T14:00:00Z"],
  },
  {
    name: "Easter Sunday",
    rule: "FREQ=YEARLY;BYEASTER=0", dueDate: "2027-03-28T08:00:00Z", timeZone: "Europe/Berlin", count: 4,
    server: ["2027-03-28T08:00:00Z", "2028-04-16T08:00:00Z", "2029-04-01T08:00:00Z", "2030-04-21T08:00:00Z"],
  },
  {
    name: "a rule that never matches leaves the due date alone",
    rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", dueDate: "2027-01-10T08:00:00Z", timeZone: "Europe/Berlin", count: 3,
    server: ["2027-01-10T08:00:00Z"],
  },
  {
    name: "every 150 years: nothing within a century",
    rule: "FREQ=YEARLY;INTERVAL=150", dueDate: "2027-01-10T08:00:00Z", timeZone: "Europe/Berlin", count: 3,
    server: ["2027-01-10T08:00:00Z"],
  },
  {
    name: "every 60 years",
    rule: "FREQ=YEARLY;INTERVAL=60", dueDate: "2027-01-10T08:00:00Z", timeZone: "Europe/Berlin", count: 3,
    server: ["2027-01-10T08:00:00Z", "2087-01-10T08:00:00Z", "2147-01-10T08:00:00Z"],
  },
  {
    name: "recurring_end_date (end) cuts the series",
    rule: "FREQ=DAILY", dueDate: "2027-03-12T14:00:00Z", timeZone: "America/New_York", count: 8, end: "2027-03-15T13:00:00Z",
    server: ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z"],
  },
  {
    name: "seconds are kept, milliseconds dropped",
    rule: "FREQ=DAILY", dueDate: "2027-03-12T14:00:30.500Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-12T14:00:30Z", "2027-03-13T14:00:30Z", "2027-03-14T13:00:30Z"],
  },
  {
    name: "Lord Howe's half-hour DST gap",
    rule: "FREQ=DAILY", dueDate: "2027-10-02T15:45:00Z", timeZone: "Australia/Lord_Howe", count: 3,
    server: ["2027-10-02T15:45:00Z", "2027-10-03T15:45:00Z", "2027-10-04T15:45:00Z"],
  },
  {
    name: "Sydney daily across April fall back",
    rule: "FREQ=DAILY", dueDate: "2027-04-02T22:00:00Z", timeZone: "Australia/Sydney", count: 4,
    server: ["2027-04-02T22:00:00Z", "2027-04-03T23:00:00Z", "2027-04-04T23:00:00Z", "2027-04-05T23:00:00Z"],
  },
  {
    name: "Samoa skipped 30 December 2011",
    rule: "FREQ=DAILY", dueDate: "2011-12-28T20:00:00Z", timeZone: "Pacific/Apia", count: 4,
    server: ["2011-12-28T20:00:00Z", "2011-12-29T20:00:00Z", "2011-12-30T10:00:00Z", "2011-12-30T20:00:00Z"],
  },
  {
    name: "Sao Paulo midnight gap (2018-11-04)",
    rule: "FREQ=DAILY", dueDate: "2018-11-03T02:30:00Z", timeZone: "America/Sao_Paulo", count: 3,
    server: ["2018-11-03T02:30:00Z", "2018-11-04T02:30:00Z", "2018-11-05T01:30:00Z"],
  },
  {
    name: "Kolkata has no DST",
    rule: "FREQ=WEEKLY;BYDAY=SA,SU", dueDate: "2027-03-13T03:30:00Z", timeZone: "Asia/Kolkata", count: 4,
    server: ["2027-03-13T03:30:00Z", "2027-03-14T03:30:00Z", "2027-03-20T03:30:00Z", "2027-03-21T03:30:00Z"],
  },
  {
    name: "twice a day with BYHOUR",
    rule: "FREQ=DAILY;BYHOUR=9,17", dueDate: "2027-03-13T14:00:00Z", timeZone: "America/New_York", count: 5,
    server: ["2027-03-13T14:00:00Z", "2027-03-13T22:00:00Z", "2027-03-14T13:00:00Z", "2027-03-14T21:00:00Z", "2027-03-15T13:00:00Z"],
  },
  {
    name: "UTC zone",
    rule: "FREQ=MONTHLY;INTERVAL=3", dueDate: "2027-01-31T12:00:00Z", timeZone: "UTC", count: 4,
    server: ["2027-01-31T12:00:00Z", "2027-07-31T12:00:00Z", "2027-10-31T12:00:00Z", "2028-01-31T12:00:00Z"],
  },
  // Rules that match rarely or never (the preview must not scan to the year 9999, see reachable.ts).
  {
    name: "every 7 days on Tuesdays from a Monday never matches",
    rule: "FREQ=DAILY;INTERVAL=7;BYDAY=TU", dueDate: "2027-03-01T14:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-01T14:00:00Z"],
  },
  {
    name: "every 7 days on Tuesdays from a Tuesday",
    rule: "FREQ=DAILY;INTERVAL=7;BYDAY=TU", dueDate: "2027-03-02T14:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-02T14:00:00Z", "2027-03-09T14:00:00Z", "2027-03-16T13:00:00Z"],
  },
  {
    name: "every 5 hours at 03:00",
    rule: "FREQ=HOURLY;INTERVAL=5;BYHOUR=3", dueDate: "2027-03-01T15:00:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-03-01T15:00:00Z", "2027-03-04T08:00:00Z", "2027-03-09T08:00:00Z", "2027-03-14T07:00:00Z"],
  },
  {
    name: "31 April never comes (monthly)",
    rule: "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", dueDate: "2027-03-01T15:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-01T15:00:00Z"],
  },
  {
    name: "30 February never comes (weekly)",
    rule: "FREQ=WEEKLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=30", dueDate: "2027-03-01T15:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-01T15:00:00Z"],
  },
  {
    name: "29 February every 4 years from an odd year never comes",
    rule: "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", dueDate: "2027-03-01T15:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-03-01T15:00:00Z"],
  },
  {
    name: "leap days, daily rule",
    rule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", dueDate: "2029-03-01T15:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2029-03-01T15:00:00Z", "2032-02-29T15:00:00Z", "2036-02-29T15:00:00Z"],
  },
  {
    name: "Friday the 13th",
    rule: "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", dueDate: "2027-01-01T15:00:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-01-01T15:00:00Z", "2027-08-13T14:00:00Z", "2028-10-13T14:00:00Z", "2029-04-13T14:00:00Z"],
  },
  {
    name: "the 366th day of the year",
    rule: "FREQ=YEARLY;BYYEARDAY=366", dueDate: "2027-01-01T15:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-01-01T15:00:00Z", "2028-12-31T15:00:00Z", "2032-12-31T15:00:00Z"],
  },
  {
    name: "Thursdays of ISO week 53",
    rule: "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", dueDate: "2027-01-01T15:00:00Z", timeZone: "America/New_York", count: 3,
    server: ["2027-01-01T15:00:00Z", "2032-12-30T15:00:00Z", "2037-12-31T15:00:00Z"],
  },
  {
    name: "every 3rd day in February only",
    rule: "FREQ=DAILY;INTERVAL=3;BYMONTH=2", dueDate: "2027-01-30T15:00:00Z", timeZone: "America/New_York", count: 4,
    server: ["2027-01-30T15:00:00Z", "2027-02-02T15:00:00Z", "2027-02-05T15:00:00Z", "2027-02-08T15:00:00Z"],
  },
];

describe("previewOccurrences agrees with the server", () => {
  it.each(SERVER_CASES)("$name ($rule, $timeZone)", ({ server, ...input }) => {
    expect(iso(previewOccurrences(input))).toEqual(server);
  });
});

describe("previewOccurrences", () => {
  const input = { rule: "FREQ=WEEKLY;BYDAY=MO,TH", dueDate: "2027-03-01T14:00:00Z", timeZone: "America/New_York" };

  it("returns 5 occurrences by default, the due date first; a Date works as the due date", () => {
    const expected = ["2027-03-01T14:00:00Z", "2027-03-04T14:00:00Z", "2027-03-08T14:00:00Z", "2027-03-11T14:00:00Z",
      "2027-03-15T13:00:00Z"];
    expect(iso(previewOccurrences(input))).toEqual(expected);
    expect(iso(previewOccurrences({ ...input, dueDate: new Date(input.dueDate) }))).toEqual(expected);
    expect(iso(previewOccurrences({ ...input, count: 1 }))).toEqual(expected.slice(0, 1));
    expect(previewOccurrences({ ...input, count: 0 })).toEqual([]);
  });

  it("keeps going across many batches and DST walls that collapse (server: 150 half-hours)", () => {
    const dates = iso(previewOccurrences({
      rule: "FREQ=HOURLY;BYMINUTE=0,30", dueDate: "2027-03-13T11:00:00Z", timeZone: "America/New_York", count: 150,
    }));
    expect(dates).toHaveLength(150);
    expect(dates.slice(60, 64)).toEqual(
      ["2027-03-14T17:00:00Z", "2027-03-14T17:30:00Z", "2027-03-14T18:00:00Z", "2027-03-14T18:30:00Z"]);
    expect(dates[149]).toBe("2027-03-16T13:30:00Z");
  });

  it("stops at COUNT even when asked for more (server: 100 days, the last on 10 April)", () => {
    const dates = iso(previewOccurrences({
      rule: "FREQ=DAILY;COUNT=100", dueDate: "2027-01-01T14:00:00Z", timeZone: "America/New_York", count: 200,
    }));
    expect(dates).toHaveLength(100);
    expect(dates[99]).toBe("2027-04-10T13:00:00Z");
  });

  it("gives up on a daily rule that never matches within a century, quickly", () => {
    const started = Date.now();
    const dates = previewOccurrences({
      rule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", dueDate: "2027-01-10T08:00:00Z", timeZone: "Europe/Berlin",
    });
    expect(iso(dates)).toEqual(["2027-01-10T08:00:00Z"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("previews what the builder produces", async () => {
    const { specToRule } = await import("./spec");
    const rule = specToRule({ preset: "monthly-last-day", interval: 1, end: { kind: "after", count: 3 } });
    expect(iso(previewOccurrences({ rule, dueDate: "2028-01-31T14:00:00Z", timeZone: "America/New_York" }))).toEqual(
      ["2028-01-31T14:00:00Z", "2028-02-29T14:00:00Z", "2028-03-31T13:00:00Z"]);
  });

  it("refuses an hourly rule whose hours are off its grid from the due date's hour, as the server does", () => {
    // The server stores FREQ=HOURLY;INTERVAL=48;BYHOUR=0 (checked from 00:00) but fails to compute it
    // from a due date at 10:00 local: "Invalid rrule byxxx generates an empty set."
    const rule = "FREQ=HOURLY;INTERVAL=48;BYHOUR=0";
    expect(() => previewOccurrences({ rule, dueDate: "2027-03-01T15:00:00Z", timeZone: "America/New_York" })).toThrow(
      "not a valid RRULE: Invalid rrule byxxx generates an empty set.",
    );
    expect(iso(previewOccurrences({ rule, dueDate: "2027-03-01T05:00:00Z", timeZone: "America/New_York", count: 2 })))
      .toEqual(["2027-03-01T05:00:00Z", "2027-03-03T05:00:00Z"]);
  });

  it("throws for a bad rule, due date or zone", () => {
    expect(() => previewOccurrences({ ...input, rule: "FREQ=DAILY;INTERVAL=0" })).toThrow(InvalidRuleError);
    expect(() => previewOccurrences({ ...input, dueDate: "next week" })).toThrow(RangeError);
    expect(() => previewOccurrences({ ...input, timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
  });
});
