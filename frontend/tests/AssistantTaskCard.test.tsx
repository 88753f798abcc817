// Server-side rendering of the assistant's task cards (react-dom/server, no DOM library): what was done (a badge),
// the title linking to the task's page (not for a deleted task), priority, due time in the user's zone, tags.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ActionKind, Task } from "@/api/types";
import { AssistantTaskCard } from "@/components/AssistantTaskCard";

const milk: Task = {
  id: 12,
  user_id: "u1",
  title: "buy milk",
  description: "",
  completed: false,
  completed_at: null,
  skipped: false,
  priority: "high",
  tags: ["home"],
  due_date: "2031-03-05T16:00:00Z",
  timezone: "UTC",
  recurring_pattern: null,
  recurring_end_date: null,
  recurrence_anchor: "due",
  next_occurrence: null,
  parent_task_id: null,
  reminder_at: null,
  reminder_sent: false,
  reminders: [],
  created_at: "2031-03-04T10:00:00Z",
  updated_at: "2031-03-04T10:00:00Z",
};

const render = (task: Task, action?: ActionKind) =>
  renderToStaticMarkup(<AssistantTaskCard task={task} action={action} timeZone="Europe/Paris" />);

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();

describe("AssistantTaskCard", () => {
  it("shows what was done, the task's link, priority, due time in the user's zone and tags", () => {
    const html = render(milk, "created");
    expect(html).toMatch(/<article class="task-card" aria-labelledby="([^"]+)">/);
    const labelledBy = /aria-labelledby="([^"]+)"/.exec(html)![1];
    expect(html).toContain(`<a id="${labelledBy}" class="task-title" href="/tasks/12">buy milk</a>`);
    expect(html).toContain('<span class="badge badge-action badge-action-created">Created</span>');
    expect(html).toContain('<span class="badge badge-high">High priority</span>');
    expect(html).toContain('<time dateTime="2031-03-05T16:00:00Z">'); // 17:00 in Paris
    expect(text(html)).toMatch(/Due 5 Mar 2031, 17:00|Due Mar 5, 2031, 5:00\sPM/);
    expect(html).toContain('<ul class="tags" aria-label="Tags"><li class="tag">home</li></ul>');
    expect(text(html)).toContain("#12");
  });

  it("does not link a deleted task, and strikes a completed one through", () => {
    const deleted = render(milk, "deleted");
    expect(deleted).not.toContain("href=");
    expect(deleted).toContain(">Deleted</span>");
    expect(render({ ...milk, completed: true }, "completed")).toContain('<article class="task-card task-done"');
  });

  it("shows a choice without an action badge", () => {
    const html = render(milk);
    expect(html).not.toContain("badge-action");
    expect(html).toContain('href="/tasks/12"');
  });
});
