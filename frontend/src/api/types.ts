import type { components, operations } from "./schema";

export type Schemas = components["schemas"];
export type Task = Schemas["TaskOutput"];
export type TaskInput = Schemas["TaskInput"];
export type TaskPatchInput = Schemas["TaskPatchInput"];
export type TaskPage = Schemas["TaskPage"];
export type Priority = Schemas["PriorityEnum"];
export type RecurrenceAnchor = Schemas["RecurrenceAnchorEnum"];
export type Profile = Schemas["UserProfileOutput"];
export type TimeZoneName = Schemas["TimezoneEnum"];
export type ApiError = Schemas["Error"];
export type TaskListQuery = NonNullable<operations["tasks_list"]["parameters"]["query"]>;
export type TaskSort = NonNullable<TaskListQuery["sort"]>;
export type Conversation = Schemas["ConversationOutput"];
export type ChatMessage = Schemas["MessageOutput"];
export type ActionKind = Schemas["ActionEnum"];
export type ChatInput = Schemas["ChatInput"];
export type ChatOutput = Schemas["ChatOutput"];

export const PRIORITIES: readonly Priority[] = ["low", "medium", "high"];

/**
 * A zone name from the browser (Intl.supportedValuesOf) as the API's enum of zones: the API validates it and
 * answers a field error for one it does not know.
 */
export function asTimeZoneName(zone: string): TimeZoneName {
  return zone as TimeZoneName;
}
