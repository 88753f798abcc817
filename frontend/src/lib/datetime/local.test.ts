// Form values <-> instants. The expected instants come from the server's own conversion
// (recurrence_app.occurrences._instant for fold 0, Python's fold=1 reading for fold 1), hard-coded.

import { describe, expect, it } from "vitest";
import { instantToLocal, localTimeKind, localToInstant, parseLocalDate, parseLocalTime } from "./local";
import { isValidTimeZone, offsetAt } from "./zones";

const iso = (s: string) => s.replace(".000Z", "Z");

// [zone, local date, local time, server fold 0, fold 1]
const SERVER: [string, string, string, string, string][] = [
  ["America/New_York", "2027-03-14", "02:30", "2027-03-14T07:00:00Z", "2027-03-14T06:30:00Z"],
  ["America/New_York", "2027-03-14", "02:00", "2027-03-14T07:00:00Z", "2027-03-14T06:00:00Z"],
  ["America/New_York", "2027-03-14", "03:00", "2027-03-14T07:00:00Z", "2027-03-14T07:00:00Z"],
  ["America/New_York", "2027-03-14", "01:59:59", "2027-03-14T06:59:59Z", "2027-03-14T06:59:59Z"],
  ["America/New_York", "2027-11-07", "01:30", "2027-11-07T05:30:00Z", "2027-11-07T06:30:00Z"],
  ["America/New_York", "2027-11-07", "00:59:59", "2027-11-07T04:59:59Z", "2027-11-07T04:59:59Z"],
  ["America/New_York", "2027-11-07", "02:00", "2027-11-07T07:00:00Z", "2027-11-07T07:00:00Z"],
  ["Europe/Berlin", "2027-03-28", "02:30", "2027-03-28T01:00:00Z", "2027-03-28T00:30:00Z"],
  ["Europe/Berlin", "2027-10-31", "02:30", "2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"],
  ["Australia/Lord_Howe", "2027-10-03", "02:15", "2027-10-02T15:30:00Z", "2027-10-02T15:15:00Z"],
  ["Australia/Lord_Howe", "2027-04-04", "01:45", "2027-04-03T14:45:00Z", "2027-04-03T15:15:00Z"],
  ["Pacific/Apia", "2011-12-30", "12:00", "2011-12-30T10:00:00Z", "2011-12-29T22:00:00Z"],
  ["America/Sao_Paulo", "2018-11-04", "00:30", "2018-11-04T03:00:00Z", "2018-11-04T02:30:00Z"],
  ["Asia/Kolkata", "2027-06-01", "09:00", "2027-06-01T03:30:00Z", "2027-06-01T03:30:00Z"],
  ["Europe/London", "2027-03-28", "01:30", "2027-03-28T01:00:00Z", "2027-03-28T00:30:00Z"],
  ["Australia/Sydney", "2027-10-03", "02:30", "2027-10-02T16:00:00Z", "2027-10-02T15:30:00Z"],
  ["America/St_Johns", "2027-03-14", "02:30", "2027-03-14T05:30:00Z", "2027-03-14T05:00:00Z"],
];

describe("localToInstant resolves DST as the server does", () => {
  it.each(SERVER)("%s %s %s", (zone, date, time, fold0, fold1) => {
    expect(iso(localToInstant(date, time, zone))).toBe(fold0);
    expect(iso(localToInstant(date, time, zone, 1))).toBe(fold1);
  });

  it("gives summer and winter offsets on either side of the year", () => {
    expect(localToInstant("2027-07-01", "09:00", "America/New_York")).toBe("2027-07-01T13:00:00.000Z");
    expect(localToInstant("2027-01-15", "09:00", "America/New_York")).toBe("2027-01-15T14:00:00.000Z");
    expect(localToInstant("2027-07-01", "09:00", "Europe/Berlin")).toBe("2027-07-01T07:00:00.000Z");
    expect(localToInstant("2027-01-15", "09:00", "Europe/Berlin")).toBe("2027-01-15T08:00:00.000Z");
  });
});

describe("instantToLocal", () => {
  it("reads the local date and time for an edit form", () => {
    expect(instantToLocal("2027-03-14T13:00:00Z", "America/New_York")).toEqual({ date: "2027-03-14", time: "09:00" });
    expect(instantToLocal(new Date("2027-03-14T13:00:00Z"), "Asia/Tokyo")).toEqual({ date: "2027-03-14", time: "22:00" });
    expect(instantToLocal("2027-03-14T23:30:00Z", "Asia/Kolkata")).toEqual({ date: "2027-03-15", time: "05:00" });
    expect(instantToLocal("2027-03-14T13:00:05Z", "UTC")).toEqual({ date: "2027-03-14", time: "13:00:05" });
  });

  it("tells the two readings of a repeated hour apart by instant", () => {
    expect(instantToLocal("2027-11-07T05:30:00Z", "America/New_York").time).toBe("01:30");
    expect(instantToLocal("2027-11-07T06:30:00Z", "America/New_York").time).toBe("01:30");
  });

  it("round-trips every half hour across both 2027 DST changes in New York and Berlin", () => {
    for (const zone of ["America/New_York", "Europe/Berlin"]) {
      for (const start of ["2027-03-13T00:00:00Z", "2027-10-30T00:00:00Z", "2027-11-06T00:00:00Z"]) {
        for (let step = 0; step < 96; step++) {
          const instant = new Date(Date.parse(start) + step * 1_800_000).toISOString();
          const { date, time } = instantToLocal(instant, zone);
          const kind = localTimeKind(date, time, zone);
          // A repeated time's second reading needs fold 1 to come back; every other one comes back with fold 0.
          const back = [localToInstant(date, time, zone), localToInstant(date, time, zone, 1)];
          expect(kind === "repeated" ? back : [back[0]]).toContain(instant);
          expect(kind).not.toBe("skipped");
        }
      }
    }
  });

  it("refuses what is not an instant", () => {
    expect(() => instantToLocal("tomorrow", "UTC")).toThrow(RangeError);
  });
});

describe("localTimeKind", () => {
  it("says whether a local time exists once, never or twice", () => {
    expect(localTimeKind("2027-03-14", "02:30", "America/New_York")).toBe("skipped");
    expect(localTimeKind("2027-11-07", "01:30", "America/New_York")).toBe("repeated");
    expect(localTimeKind("2027-11-07", "02:00", "America/New_York")).toBe("exact");
    expect(localTimeKind("2027-11-07", "01:30", "Asia/Tokyo")).toBe("exact");
  });
});

describe("form value parsing", () => {
  it("accepts real dates and times only", () => {
    expect(parseLocalDate("2028-02-29")).toEqual([2028, 2, 29]);
    expect(parseLocalTime("23:59:59")).toEqual([23, 59, 59]);
    for (const bad of ["2027-02-29", "2027-13-01", "2027-1-01", "27-01-01", ""]) {
      expect(() => parseLocalDate(bad)).toThrow(RangeError);
    }
    for (const bad of ["24:00", "12:60", "9:00", "12:00:60", "noon"]) {
      expect(() => parseLocalTime(bad)).toThrow(RangeError);
    }
    expect(() => localToInstant("2027-02-30", "09:00", "UTC")).toThrow("'2027-02-30' is not a date");
  });
});

describe("zones", () => {
  it("knows IANA names and offsets", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(offsetAt(Date.parse("2027-07-01T00:00:00Z"), "America/New_York")).toBe(-4 * 3_600_000);
    expect(offsetAt(Date.parse("2027-07-01T00:00:00Z"), "Asia/Kathmandu")).toBe(5.75 * 3_600_000);
  });
});
