import { describe, expect, it } from "vitest";
import { supportedTimeZones } from "@/lib/time";

describe("time zones on offer", () => {
  it("lists IANA zones", () => {
    const zones = supportedTimeZones();
    expect(zones).toContain("Europe/Paris");
    expect(zones).toContain("UTC");
  });
});
