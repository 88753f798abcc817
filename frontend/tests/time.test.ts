import { describe, expect, it } from "vitest";
import { instantToWallTime, nextDay, startOfDay, supportedTimeZones, wallTimeToInstant, zoneOffsetMs } from "@/lib/time";

describe("wall-clock times in a zone", () => {
  it("converts both ways", () => {
    expect(wallTimeToInstant({ date: "2025-01-15", time: "09:30" }, "Europe/Paris")?.toISOString()).toBe("2025-01-15T08:30:00.000Z");
    expect(wallTimeToInstant({ date: "2025-07-15", time: "09:30" }, "Europe/Paris")?.toISOString()).toBe("2025-07-15T07:30:00.000Z");
    expect(wallTimeToInstant({ date: "2025-07-15", time: "09:30" }, "America/New_York")?.toISOString()).toBe("2025-07-15T13:30:00.000Z");
    expect(wallTimeToInstant({ date: "2025-07-15", time: "09:30" }, "Asia/Kolkata")?.toISOString()).toBe("2025-07-15T04:00:00.000Z");
    expect(instantToWallTime("2025-07-15T04:00:00Z", "Asia/Kolkata")).toEqual({ date: "2025-07-15", time: "09:30" });
    expect(instantToWallTime("2025-12-31T23:30:00Z", "Pacific/Auckland")).toEqual({ date: "2026-01-01", time: "12:30" });
  });

  it("moves a time skipped by DST forward and takes the later of a repeated one", () => {
    // Paris, 30 March 2025: 02:00 -> 03:00.
    expect(wallTimeToInstant({ date: "2025-03-30", time: "02:30" }, "Europe/Paris")?.toISOString()).toBe("2025-03-30T01:30:00.000Z");
    expect(instantToWallTime("2025-03-30T01:30:00Z", "Europe/Paris").time).toBe("03:30");
    // Paris, 26 October 2025: 03:00 -> 02:00 (02:30 happens twice).
    const repeated = wallTimeToInstant({ date: "2025-10-26", time: "02:30" }, "Europe/Paris");
    expect(repeated && instantToWallTime(repeated, "Europe/Paris")).toEqual({ date: "2025-10-26", time: "02:30" });
  });

  it("refuses malformed dates", () => {
    expect(wallTimeToInstant({ date: "2025-02-31", time: "10:00" }, "UTC")).toBeNull();
    expect(wallTimeToInstant({ date: "2025-1-1", time: "10:00" }, "UTC")).toBeNull();
    expect(wallTimeToInstant({ date: "2025-01-01", time: "25:00" }, "UTC")).toBeNull();
  });

  it("knows offsets, day starts and the next day", () => {
    expect(zoneOffsetMs(Date.UTC(2025, 0, 1), "Asia/Kolkata")).toBe(5.5 * 3_600_000);
    expect(startOfDay("2025-06-01", "America/Los_Angeles")?.toISOString()).toBe("2025-06-01T07:00:00.000Z");
    expect(nextDay("2024-02-28")).toBe("2024-02-29");
    expect(nextDay("2025-12-31")).toBe("2026-01-01");
  });

  it("lists IANA zones", () => {
    const zones = supportedTimeZones();
    expect(zones).toContain("Europe/Paris");
    expect(zones).toContain("UTC");
  });
});
