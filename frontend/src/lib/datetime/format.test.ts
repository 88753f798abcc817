// Display in zones: the same instant read in different zones, across DST, and relative "overdue" text.

import { describe, expect, it } from "vitest";
import { dueStatus, formatDate, formatDateTime, formatRelative, formatTime, timeZoneName } from "./format";

// ICU puts a narrow no-break space before AM/PM; compare with plain spaces.
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, " ");

describe("formatting in a time zone", () => {
  const instant = "2027-03-14T13:00:00Z"; // 09:00 in New York on the day DST starts

  it("shows the local date", () => {
    expect(formatDate(instant, { timeZone: "America/New_York", locale: "en-US" })).toBe("Sun, Mar 14, 2027");
    expect(formatDate(instant, { timeZone: "Pacific/Kiritimati", locale: "en-US" })).toBe("Mon, Mar 15, 2027");
    expect(formatDate(instant, { timeZone: "Europe/Berlin", locale: "de-DE" })).toBe("So., 14. März 2027");
  });

  it("shows the local time, with the zone's name when asked", () => {
    expect(plain(formatTime(instant, { timeZone: "America/New_York", locale: "en-US" }))).toBe("9:00 AM");
    expect(formatTime(instant, { timeZone: "Europe/Berlin", locale: "en-GB" })).toBe("14:00");
    expect(plain(formatTime(instant, { timeZone: "America/New_York", locale: "en-US", showZone: true }))).toBe(
      "9:00 AM EDT",
    );
    expect(formatTime(new Date(instant), { timeZone: "Asia/Kolkata", locale: "en-GB" })).toBe("18:30");
    expect(formatDateTime(instant, { timeZone: "Europe/Berlin", locale: "en-GB", showZone: true })).toBe(
      "14 Mar 2027, 14:00 CET",
    );
  });

  it("shows both, the same wall time on either side of a DST change", () => {
    const options = { timeZone: "America/New_York", locale: "en-US" };
    expect(plain(formatDateTime("2027-03-13T14:00:00Z", options))).toBe("Mar 13, 2027, 9:00 AM");
    expect(plain(formatDateTime("2027-03-14T13:00:00Z", options))).toBe("Mar 14, 2027, 9:00 AM");
    expect(formatDateTime(Date.parse("2027-10-31T08:00:00Z"), { timeZone: "Europe/Berlin", locale: "en-GB" })).toBe(
      "31 Oct 2027, 09:00",
    );
  });

  it("names the zone's offset in force", () => {
    expect(timeZoneName("2027-03-14T06:59:59Z", "America/New_York", "en-US")).toBe("EST");
    expect(timeZoneName("2027-03-14T07:00:00Z", "America/New_York", "en-US")).toBe("EDT");
    expect(timeZoneName("2027-07-01T00:00:00Z", "Europe/Berlin", "en-GB")).toBe("CEST");
  });

  it("refuses what is not an instant", () => {
    expect(() => formatDate("soon", { timeZone: "UTC" })).toThrow(RangeError);
  });
});

describe("relative time and overdue", () => {
  const now = "2027-03-14T12:00:00Z";

  it("uses the largest whole unit", () => {
    expect(formatRelative("2027-03-14T15:30:00Z", now, "en")).toBe("in 3 hours");
    expect(formatRelative("2027-03-14T11:15:00Z", now, "en")).toBe("45 minutes ago");
    expect(formatRelative("2027-03-15T12:00:00Z", now, "en")).toBe("tomorrow");
    expect(formatRelative("2027-03-10T12:00:00Z", now, "en")).toBe("4 days ago");
    expect(formatRelative("2027-03-28T12:00:00Z", now, "en")).toBe("in 2 weeks");
    expect(formatRelative("2027-06-14T12:00:00Z", now, "en")).toBe("in 3 months");
    expect(formatRelative("2029-03-14T12:00:00Z", now, "en")).toBe("in 2 years");
    expect(formatRelative("2027-03-14T12:00:30Z", now, "en")).toBe("now");
    expect(formatRelative("2027-03-14T15:30:00Z", now, "de")).toBe("in 3 Stunden");
  });

  it("says whether a due date has passed", () => {
    expect(dueStatus("2027-03-14T10:00:00Z", now, "en")).toEqual({ overdue: true, relative: "2 hours ago" });
    expect(dueStatus("2027-03-14T12:00:00Z", now, "en")).toEqual({ overdue: false, relative: "now" });
    expect(dueStatus(new Date("2027-03-16T12:00:00Z"), new Date(now), "en")).toEqual({
      overdue: false,
      relative: "in 2 days",
    });
    expect(dueStatus(null, now)).toBeNull();
  });
});
