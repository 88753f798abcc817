// Server-side rendering of the task form's reminders (react-dom/server, no DOM library): a row per reminder, each
// control with a label of its own, the offset that is not listed still offered. The values are src/lib/reminder's.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { TaskForm } from "@/components/TaskForm";
import { MAX_REMINDERS, type ReminderChoice } from "@/lib/reminder";
import { emptyTaskForm } from "@/lib/taskForm";

const render = (reminders: ReminderChoice[]) =>
  renderToStaticMarkup(
    <TaskForm
      initial={{ ...emptyTaskForm(), title: "x", dueDate: "2031-03-05", dueTime: "09:00", reminders }}
      timeZone="Europe/Berlin"
      tagSuggestions={[]}
      submitLabel="Save"
      onSubmit={async () => null}
      onCancel={() => {}}
    />,
  );

/** The text of the <label for=id> of each reminder control, in order. */
function reminderLabels(html: string): string[] {
  return [...html.matchAll(/<label[^>]*for="([^"]+)"[^>]*>(.*?)<\/label>/g)]
    .map((m) => m[2]!.replace(/<[^>]+>/g, ""))
    .filter((label) => label.startsWith("Reminder"));
}

describe("TaskForm's reminders", () => {
  it("lists each reminder with labelled controls and a remove button", () => {
    const html = render([
      { mode: "before", offset: "P1D" },
      { mode: "at", at: { date: "2031-03-04", time: "12:30" } },
      { mode: "before", offset: "PT45M" },
    ]);
    expect(html).toContain("<legend>Reminders</legend>");
    expect(reminderLabels(html)).toEqual([
      "Reminder 1 kind",
      "Reminder 1 Offset",
      "Reminder 2 kind",
      "Reminder 2 Date",
      "Reminder 2 Time",
      "Reminder 3 kind",
      "Reminder 3 Offset",
    ]);
    expect([...html.matchAll(/aria-label="(Remove reminder \d+)"/g)].map((m) => m[1])).toEqual([
      "Remove reminder 1",
      "Remove reminder 2",
      "Remove reminder 3",
    ]);
    expect(html).toContain('<option value="P1D" selected="">1 day before</option>');
    expect(html).toContain('<option value="PT45M" selected="">45 minutes before</option>');
    expect(html).toMatch(/<option value="at" selected="">At a date and time<\/option>/);
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toMatch(/<button type="button" class="button"[^>]*>Add a reminder<\/button>/);
  });

  it("says when there is none, and offers no more than the maximum", () => {
    expect(render([])).toContain("No reminders.");
    const full = render(Array.from({ length: MAX_REMINDERS }, (_, i) => ({ mode: "before", offset: `PT${i + 1}M` })));
    expect(full).toMatch(/<button type="button" class="button" disabled=""[^>]*>Add a reminder<\/button>/);
  });
});
