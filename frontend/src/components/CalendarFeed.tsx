"use client";
/**
 * The profile's calendar feed: a secret iCalendar URL of the user's open tasks with due dates (calendar_feed_app),
 * for Google Calendar, Apple Calendar, Thunderbird... Only its digest is stored, so the URL is shown once, right
 * after it is made; making a new one or turning the feed off stops the old URL at once.
 */
import { useCallback, useEffect, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import { useSignedIn } from "@/auth/AuthProvider";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage, Loading } from "./Status";

type Api = ReturnType<typeof useSignedIn>["api"];

export function CalendarFeed({ api, userId }: { api: Api; userId: string }) {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirmOff, setConfirmOff] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => {
    setProblem(null);
    setVersion((v) => v + 1);
  }, []);
  const path = { params: { path: { user_id: userId } } };

  useEffect(() => {
    let cancelled = false;
    api
      .GET("/api/{user_id}/calendar-feed", { params: { path: { user_id: userId } } })
      .then(({ data, error, response }) => {
        if (cancelled) return;
        if (data) setEnabled(data.enabled);
        else setProblem(problemOf(error, response.status));
      })
      .catch((error: unknown) => !cancelled && setProblem(networkProblem(error)));
    return () => {
      cancelled = true;
    };
  }, [api, userId, version]);

  async function issue() {
    setBusy(true);
    setProblem(null);
    try {
      const { data, error, response } = await api.POST("/api/{user_id}/calendar-feed", path);
      if (data) {
        setUrl(data.url);
        setEnabled(true);
      } else setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
  }

  async function turnOff() {
    setBusy(true);
    setProblem(null);
    try {
      const { error, response } = await api.DELETE("/api/{user_id}/calendar-feed", path);
      if (response.ok) {
        setUrl("");
        setEnabled(false);
      } else setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
    setConfirmOff(false);
  }

  return (
    <section aria-labelledby="calendar-feed-title">
      <h2 id="calendar-feed-title">Calendar feed</h2>
      <p className="hint">
        Subscribe to your open tasks that have due dates from any calendar app. Repeating tasks repeat there too, and
        reminders become alerts. Anyone who has the address can read the feed: keep it to yourself.
      </p>
      {problem ? <ErrorMessage problem={problem} onRetry={enabled === null ? reload : undefined} /> : null}
      {enabled === null && !problem ? <Loading label="Loading your calendar feed…" /> : null}
      {url ? (
        <div className="field">
          <label htmlFor="calendar-feed-url">Your feed address (shown this once)</label>
          <input id="calendar-feed-url" type="text" readOnly value={url} onFocus={(event) => event.target.select()} />
          <p className="hint">Copy it into your calendar app now: only a fingerprint of it is kept here.</p>
        </div>
      ) : enabled ? (
        <p>The feed is on. Its address was shown when it was made; make a new one if you need it again.</p>
      ) : enabled === false ? (
        <p>The feed is off.</p>
      ) : null}
      {enabled !== null ? (
        <div className="actions">
          <button type="button" className="button button-primary" onClick={() => void issue()} disabled={busy}>
            {enabled ? "Make a new address" : "Turn the feed on"}
          </button>
          {enabled ? (
            <button type="button" className="button" onClick={() => setConfirmOff(true)} disabled={busy}>
              Turn the feed off
            </button>
          ) : null}
        </div>
      ) : null}
      <ConfirmDialog
        open={confirmOff}
        title="Turn the calendar feed off?"
        confirmLabel="Turn off"
        busy={busy}
        onConfirm={() => void turnOff()}
        onCancel={() => setConfirmOff(false)}
      >
        <p>Calendar apps subscribed to it stop receiving your tasks.</p>
      </ConfirmDialog>
    </section>
  );
}
