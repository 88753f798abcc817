"use client";
/**
 * The pages' side of the tab's live updates (src/lib/liveUpdates.ts; the one connection is AuthProvider's, opened
 * while someone is signed in): subscribe to its messages, reload once per burst of them, read its status.
 */
import { useEffect, useEffectEvent, useSyncExternalStore } from "react";
import { useAuth } from "@/auth/AuthProvider";
import { coalesce, type LiveMessage, type LiveStatus } from "./liveUpdates";

/** Calls `onMessage` (the latest one given) for each message while the component is mounted. */
export function useLiveUpdates(onMessage: (message: LiveMessage) => void): void {
  const { live } = useAuth();
  const handle = useEffectEvent(onMessage);
  useEffect(() => live.subscribe((message) => handle(message)), [live]);
}

/** Calls `reload` once for each burst of messages (those `concerns` accepts; all by default). */
export function useLiveReload(reload: () => void, concerns: (message: LiveMessage) => boolean = () => true): void {
  const { live } = useAuth();
  const run = useEffectEvent(reload);
  const isConcerned = useEffectEvent(concerns);
  useEffect(() => {
    const later = coalesce(() => run());
    const unsubscribe = live.subscribe((message) => {
      if (isConcerned(message)) later();
    });
    return () => {
      unsubscribe();
      later.cancel();
    };
  }, [live]);
}

export function useLiveStatus(): LiveStatus {
  const { live } = useAuth();
  return useSyncExternalStore(live.subscribeStatus, live.status, () => "off");
}
