// The recurrence builder's public API: builder state <-> stored pattern, validation, preview and text.

export { describeRule, type DescribeOptions } from "./describe";
export { previewOccurrences, type PreviewInput } from "./preview";
export {
  InvalidRuleError,
  normalizeRule,
  parseRule,
  type ParsedRule,
  validateRule,
  type ValidationResult,
  type Weekday,
  WEEKDAYS,
} from "./rule";
export { type Preset, type RecurrenceEnd, type RecurrenceSpec, ruleToSpec, specToRule } from "./spec";
