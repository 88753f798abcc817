"use client";
import { type FormEvent, useMemo, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import { asTimeZoneName } from "@/api/types";
import { useSignedIn } from "@/auth/AuthProvider";
import { browserTimeZone, supportedTimeZones } from "@/lib/time";
import { CalendarFeed } from "./CalendarFeed";
import { DataPortability } from "./DataPortability";
import { ErrorMessage, FieldErrors, Loading } from "./Status";

export function ProfileView() {
  const { api, user, profile, profileProblem, reloadProfile, setProfile } = useSignedIn();
  if (profileProblem && !profile) return <ErrorMessage problem={profileProblem} onRetry={reloadProfile} />;
  if (!profile) return <Loading label="Loading your profile…" />;
  return <ProfileForm api={api} userId={user.id} profile={profile} onSaved={setProfile} />;
}

function ProfileForm({
  api,
  userId,
  profile,
  onSaved,
}: {
  api: ReturnType<typeof useSignedIn>["api"];
  userId: string;
  profile: NonNullable<ReturnType<typeof useSignedIn>["profile"]>;
  onSaved: (profile: NonNullable<ReturnType<typeof useSignedIn>["profile"]>) => void;
}) {
  const [zone, setZone] = useState(profile.timezone);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  const [saved, setSaved] = useState("");
  const zones = useMemo(() => {
    const all = supportedTimeZones();
    return all.includes(profile.timezone) ? all : [profile.timezone, ...all];
  }, [profile.timezone]);
  const browserZone = browserTimeZone();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setSaved("");
    try {
      const { data, error, response } = await api.PATCH("/api/{user_id}/profile", {
        params: { path: { user_id: userId } },
        body: { timezone: asTimeZoneName(zone) },
      });
      if (data) {
        setSaved(`Saved: your time zone is ${data.timezone}.`);
        onSaved(data);
      } else setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
  }

  const zoneErrors = problem?.fields.timezone;
  return (
    <section className="narrow">
      <h1>Profile</h1>
      <dl className="details">
        <dt>Name</dt>
        <dd>{profile.name || "—"}</dd>
        <dt>Email</dt>
        <dd>{profile.email || "—"}</dd>
      </dl>
      <form className="form" onSubmit={submit} aria-busy={busy}>
        {problem && !zoneErrors ? <ErrorMessage problem={problem} /> : null}
        <div className="field">
          <label htmlFor="timezone">Time zone</label>
          <select
            id="timezone"
            value={zone}
            onChange={(event) => setZone(event.target.value)}
            aria-invalid={zoneErrors ? true : undefined}
            aria-describedby={["timezone-hint", zoneErrors ? "timezone-error" : ""].filter(Boolean).join(" ")}
          >
            {zones.map((name) => (
              <option key={name} value={name}>
                {name.replace(/_/g, " ")}
              </option>
            ))}
          </select>
          <p className="hint" id="timezone-hint">
            Due dates, reminders and repeating tasks use this zone. Your browser is in {browserZone}.
          </p>
          <FieldErrors id="timezone-error" messages={zoneErrors} />
        </div>
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy || zone === profile.timezone}>
            {busy ? "Saving…" : "Save"}
          </button>
          {browserZone !== zone ? (
            <button type="button" className="button" onClick={() => setZone(browserZone)}>
              Use {browserZone}
            </button>
          ) : null}
        </div>
        <p role="status" className="saved">
          {saved}
        </p>
      </form>
      <CalendarFeed api={api} userId={userId} />
      <DataPortability api={api} userId={userId} />
    </section>
  );
}
