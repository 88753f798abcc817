/**
 * The zones on offer: the browser's own and every IANA zone it knows. Conversions between local times and
 * instants, and their display, are src/lib/datetime's.
 */

/** The browser's own zone, UTC when unknown. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every IANA zone the browser knows (for the profile's select); falls back to a few when unsupported. */
export function supportedTimeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: "timeZone") => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  const all = new Set(zones.length ? zones : ["UTC", "Europe/London", "Europe/Paris", "America/New_York"]);
  all.add("UTC"); // Intl lists it under Etc/ in some engines
  return [...all].sort();
}
