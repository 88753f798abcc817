// Date and time-zone helpers for the task UI: display, form values <-> instants, reminder durations.

export * from "./durations";
export * from "./format";
export * from "./local";
export { type Fold, isValidTimeZone } from "./zones";
