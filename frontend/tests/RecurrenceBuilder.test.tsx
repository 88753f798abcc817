// Server-side rendering of the builder (react-dom/server, no DOM library): its controls, labels and
// preview for a stored rule. Interaction is covered by the state helpers (recurrenceForm.test.ts).
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RecurrenceBuilder } from "@/components/RecurrenceBuilder";

const render = (value: string | null, dueDate: string | null = "2027-03-11T14:00:00.000Z") =>
  renderToStaticMarkup(
    <RecurrenceBuilder value={value} onChange={() => {}} timeZone="America/New_York" dueDate={dueDate} />,
  );

/** The text of the <label for=id> of each control, in order. */
function labels(html: string): string[] {
  return [...html.matchAll(/<label[^>]*for="([^"]+)"[^>]*>(.*?)<\/label>/g)].map((m) => m[2]!.replace(/<[^>]+>/g, ""));
}

describe("RecurrenceBuilder", () => {
  it("shows only the Repeat select for a task that does not repeat", () => {
    const html = render(null);
    expect(labels(html)).toEqual(["Repeat"]);
    expect(html).toContain('<option value="none" selected="">Does not repeat</option>');
    expect(html).not.toContain("aria-live");
  });

  it("shows a weekly rule with labelled day checkboxes, the end and the preview", () => {
    const html = render("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=3");
    expect(labels(html)).toEqual(["Repeat", "Every", "How many times"]);
    expect(html).toContain('<option value="weekly" selected="">Weekly</option>');
    expect(html).toMatch(/<legend>On days<\/legend>/);
    const checked = [...html.matchAll(/<label class="weekday"><input type="checkbox"( checked="")?\/>.*?visually-hidden">(\w+)</g)];
    expect(checked.map((m) => `${m[2]}${m[1] ? "+" : ""}`)).toEqual([
      "Monday+", "Tuesday", "Wednesday", "Thursday+", "Friday", "Saturday", "Sunday",
    ]);
    expect(html).toMatch(/<legend>Ends<\/legend>/);
    expect(html).toMatch(/<input type="radio"[^>]*checked="" value="after"/);
    expect(html).toContain('<div class="recurrence-preview" aria-live="polite">');
    expect(html).toContain("Every 2 weeks on Monday and Thursday, 3 times");
    expect([...html.matchAll(/<time dateTime="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "2027-03-11T14:00:00.000Z",
      "2027-03-22T13:00:00.000Z",
      "2027-03-25T13:00:00.000Z",
    ]);
    expect(html).toContain("The series ends there.");
  });

  it("shows an unrecognised rule as custom with its check", () => {
    const html = render("FREQ=MONTHLY;BYDAY=1MO");
    expect(labels(html)).toEqual(["Repeat", "Repeat rule (RRULE)"]);
    expect(html).toContain('value="FREQ=MONTHLY;BYDAY=1MO"');
    expect(html).toContain("Valid rule.");
    expect(html).toContain("Monthly on the 1st Monday");
  });

  it("shows why a custom rule is refused", () => {
    const html = render("FREQ=MINUTELY");
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain("FREQ=MINUTELY is not supported for tasks");
    expect(html).toContain("Complete the repeat settings");
  });

  it("counted from each completion, gives the rule in words and no dates", () => {
    const html = renderToStaticMarkup(
      <RecurrenceBuilder value="FREQ=WEEKLY" onChange={() => {}} timeZone="America/New_York" dueDate="2027-03-11T14:00:00.000Z" fromCompletion />,
    );
    expect(html).toContain("Counted from each completion");
    expect(html).not.toContain("on Thursday"); // the due date's weekday is not the rule's
    expect(html).not.toContain("<time ");
  });

  it("without a due date, says the series starts at the completion", () => {
    const html = render("FREQ=MONTHLY;BYMONTHDAY=-1", null);
    expect(labels(html)).toEqual(["Repeat", "Every"]);
    expect(html).toContain("the series starts when the task is completed");
    expect(html.match(/<time /g)).toHaveLength(5);
  });
});
