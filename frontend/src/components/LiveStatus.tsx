"use client";
import { useLiveStatus } from "@/lib/useLiveUpdates";

/**
 * A quiet word in the header on the tab's live updates: "Live" while changes made elsewhere show up here as they
 * happen, "Reconnecting…" while the stream is being made again; nothing before the first stream opened or when
 * signed out. Text, not a colour alone; not a live region (a flapping connection must not keep talking).
 */
export function LiveStatus() {
  const status = useLiveStatus();
  if (status !== "live" && status !== "reconnecting") return null;
  return (
    <span className="live-status" data-status={status}>
      {status === "live" ? "Live" : "Reconnecting…"}
      <span className="visually-hidden">{status === "live" ? ": changes made elsewhere show up here" : ": live updates"}</span>
    </span>
  );
}
