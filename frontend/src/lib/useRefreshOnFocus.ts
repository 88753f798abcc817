"use client";
import { useEffect } from "react";

/**
 * Calls `refresh` when the window gets focus back or the tab becomes visible: what live updates could not bring
 * (their server unreachable for a while) is caught up then.
 */
export function useRefreshOnFocus(refresh: () => void): void {
  useEffect(() => {
    let last = 0;
    const maybeRefresh = () => {
      if (document.visibilityState !== "visible") return;
      const now = Date.now();
      if (now - last < 1000) return; // focus and visibilitychange often fire together
      last = now;
      refresh();
    };
    window.addEventListener("focus", maybeRefresh);
    document.addEventListener("visibilitychange", maybeRefresh);
    return () => {
      window.removeEventListener("focus", maybeRefresh);
      document.removeEventListener("visibilitychange", maybeRefresh);
    };
  }, [refresh]);
}
