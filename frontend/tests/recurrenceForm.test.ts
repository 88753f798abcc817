import { describe, expect, it } from "vitest";
import {
  type BuilderState,
  chooseRepeat,
  INITIAL_STATE,
  intervalUnit,
  previewOf,
  ruleText,
  stateFromRule,
  stateToRule,
} from "@/lib/recurrenceForm";
import { validateRule } from "@/lib/recurrence";

const state = (fields: Partial<BuilderState>): BuilderState => ({ ...INITIAL_STATE, ...fields });

describe("builder state -> rule", () => {
  it.each<[Partial<BuilderState>, string | null]>([
    [{ repeat: "none" }, null],
    [{ repeat: "daily" }, "FREQ=DAILY"],
    [{ repeat: "daily", interval: "3" }, "FREQ=DAILY;INTERVAL=3"],
    [{ repeat: "weekdays" }, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"],
    [{ repeat: "weekly" }, "FREQ=WEEKLY"],
    [{ repeat: "weekly", days: ["TH", "MO"], interval: "2" }, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"],
    [{ repeat: "monthly-day" }, "FREQ=MONTHLY"],
    [{ repeat: "monthly-day", monthDay: "31" }, "FREQ=MONTHLY;BYMONTHDAY=31"],
    [{ repeat: "monthly-last-day" }, "FREQ=MONTHLY;BYMONTHDAY=-1"],
    [{ repeat: "yearly", end: "after", endCount: "10" }, "FREQ=YEARLY;COUNT=10"],
    [{ repeat: "daily", end: "on", endDate: "2027-12-31" }, "FREQ=DAILY;UNTIL=20271231"],
    [{ repeat: "daily", end: "never", endDate: "garbage", endCount: "x" }, "FREQ=DAILY"], // hidden fields do not count
    [{ repeat: "weekly", days: ["MO"], monthDay: "99" }, "FREQ=WEEKLY;BYDAY=MO"],
    [{ repeat: "custom", custom: " rrule:freq=monthly;byday=1mo " }, "FREQ=MONTHLY;BYDAY=1MO"],
    [{ repeat: "custom", custom: "daily" }, "DAILY"],
  ])("%j -> %s", (fields, rule) => {
    expect(stateToRule(state(fields))).toEqual({ rule, problems: {} });
  });

  it("names what is wrong and never yields a rule the form would store", () => {
    const cases: [Partial<BuilderState>, string][] = [
      [{ repeat: "daily", interval: "" }, "interval"],
      [{ repeat: "daily", interval: "0" }, "interval"],
      [{ repeat: "daily", interval: "1.5" }, "interval"],
      [{ repeat: "weekly", interval: "-2" }, "interval"],
      [{ repeat: "monthly-day", monthDay: "32" }, "monthDay"],
      [{ repeat: "monthly-day", monthDay: "-1" }, "monthDay"],
      [{ repeat: "yearly", end: "on", endDate: "" }, "endDate"],
      [{ repeat: "yearly", end: "on", endDate: "2027-02-30" }, "endDate"],
      [{ repeat: "daily", end: "after", endCount: "0" }, "endCount"],
      [{ repeat: "daily", end: "after", endCount: "" }, "endCount"],
      [{ repeat: "custom", custom: "" }, "custom"],
      [{ repeat: "custom", custom: "FREQ=MINUTELY" }, "custom"],
      [{ repeat: "custom", custom: "FREQ=DAILY;COUNT=2;UNTIL=20270101" }, "custom"],
    ];
    for (const [fields, field] of cases) {
      const { rule, problems } = stateToRule(state(fields));
      expect(Object.keys(problems)).toEqual([field]);
      expect(rule).not.toBeNull();
      expect(validateRule(rule!).ok).toBe(false);
    }
    expect(stateToRule(state({ repeat: "custom", custom: "FREQ=MINUTELY" })).problems.custom).toBe(
      "FREQ=MINUTELY is not supported for tasks",
    );
  });
});

describe("rule -> builder state", () => {
  it("shows each preset", () => {
    expect(stateFromRule(null)).toEqual(INITIAL_STATE);
    expect(stateFromRule("DAILY")).toMatchObject({ repeat: "daily", interval: "1", end: "never" });
    expect(stateFromRule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;INTERVAL=2")).toMatchObject({ repeat: "weekdays", interval: "2" });
    expect(stateFromRule("FREQ=WEEKLY;BYDAY=TH,MO")).toMatchObject({ repeat: "weekly", days: ["MO", "TH"] });
    expect(stateFromRule("WEEKLY")).toMatchObject({ repeat: "weekly", days: [] });
    expect(stateFromRule("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6")).toMatchObject({
      repeat: "monthly-day",
      monthDay: "15",
      end: "after",
      endCount: "6",
    });
    expect(stateFromRule("MONTHLY")).toMatchObject({ repeat: "monthly-day", monthDay: "" });
    expect(stateFromRule("rrule:freq=monthly;bymonthday=-1;until=20271231")).toMatchObject({
      repeat: "monthly-last-day",
      end: "on",
      endDate: "2027-12-31",
    });
    expect(stateFromRule("FREQ=YEARLY;INTERVAL=4")).toMatchObject({ repeat: "yearly", interval: "4" });
  });

  it("shows anything else as custom, as stored or typed", () => {
    expect(stateFromRule("FREQ=MONTHLY;BYDAY=1MO")).toEqual(state({ repeat: "custom", custom: "FREQ=MONTHLY;BYDAY=1MO" }));
    expect(stateFromRule("FREQ=DAILY;UNTIL=20271231T090000Z")).toMatchObject({ repeat: "custom" });
    expect(stateFromRule("FREQ=HOURLY;INTERVAL=6")).toMatchObject({ repeat: "custom" });
    expect(stateFromRule("FREQ=DAILY;BYHOUR=9,17")).toMatchObject({ repeat: "custom" });
    expect(stateFromRule("not a rule")).toEqual(state({ repeat: "custom", custom: "not a rule" }));
  });

  it.each([
    "FREQ=DAILY;INTERVAL=2;COUNT=5",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;UNTIL=20280101",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=-1",
    "FREQ=YEARLY;COUNT=3",
    "FREQ=MONTHLY;BYDAY=-1FR",
  ])("round-trips %s", (rule) => {
    expect(stateToRule(stateFromRule(rule))).toEqual({ rule, problems: {} });
  });
});

describe("switching presets", () => {
  it("keeps every N and the end, and starts custom from the rule so far", () => {
    const weekly = state({ repeat: "weekly", interval: "2", days: ["SA"], end: "after", endCount: "4" });
    expect(stateToRule(chooseRepeat(weekly, "daily")).rule).toBe("FREQ=DAILY;INTERVAL=2;COUNT=4");
    const custom = chooseRepeat(weekly, "custom");
    expect(custom.custom).toBe("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;COUNT=4");
    expect(stateToRule(custom).rule).toBe("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;COUNT=4");
    expect(chooseRepeat(state({ repeat: "daily", interval: "" }), "custom").custom).toBe("");
    expect(stateToRule(chooseRepeat(weekly, "none")).rule).toBeNull();
  });

  it("gives the unit of every N where it applies", () => {
    expect(intervalUnit("daily")).toEqual(["day", "days"]);
    expect(intervalUnit("weekdays")).toEqual(["week", "weeks"]);
    expect(intervalUnit("monthly-last-day")).toEqual(["month", "months"]);
    expect(intervalUnit("yearly")).toEqual(["year", "years"]);
    expect(intervalUnit("custom")).toBeNull();
    expect(intervalUnit("none")).toBeNull();
  });
});

describe("previewOf", () => {
  it("describes the rule and lists the dates from the due date in the task's zone", () => {
    // Thursday 11 March 2027 09:00 EST; New York springs forward on the 14th, the wall clock stays 09:00.
    const preview = previewOf("FREQ=WEEKLY;BYDAY=MO,TH", "2027-03-11T14:00:00.000Z", "America/New_York", 0);
    expect(preview).toEqual({
      ok: true,
      description: "Every week on Monday and Thursday",
      dates: ["2027-03-11T14:00:00Z", "2027-03-15T13:00:00Z", "2027-03-18T13:00:00Z", "2027-03-22T13:00:00Z", "2027-03-25T13:00:00Z"].map(
        (iso) => new Date(iso),
      ),
      ended: false,
    });
  });

  it("says which day a bare pattern falls on", () => {
    const preview = previewOf("MONTHLY", "2027-01-31T10:00:00Z", "UTC", 0);
    expect(preview.ok && preview.description).toBe("Monthly on the 31st");
    expect(preview.ok && preview.dates.map((d) => d.toISOString().slice(0, 10))).toEqual([
      "2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31", "2027-08-31",
    ]);
  });

  it("without a due date, lists the dates after a completion now", () => {
    const now = Date.parse("2027-01-01T10:00:00Z");
    const preview = previewOf("FREQ=DAILY;COUNT=3", null, "UTC", now);
    expect(preview).toEqual({
      ok: true,
      description: "Every day, 3 times",
      dates: [new Date("2027-01-02T10:00:00Z"), new Date("2027-01-03T10:00:00Z")],
      ended: true,
    });
  });

  it("reports a rule or zone it cannot preview", () => {
    expect(previewOf("FREQ=NEVER", null, "UTC", 0)).toMatchObject({ ok: false });
    expect(previewOf("DAILY", null, "Mars/Olympus", 0)).toMatchObject({ ok: false });
  });
});

describe("ruleText", () => {
  it("reads a stored pattern, or gives up on one it cannot", () => {
    expect(ruleText("FREQ=WEEKLY", "UTC", "2031-03-03T07:00:00Z")).toBe("Every week on Monday");
    expect(ruleText("WEEKLY", "UTC", null)).toBe("Every week");
    expect(ruleText("FREQ=DAILY;INTERVAL=0", "UTC", null)).toBeNull();
  });
});
