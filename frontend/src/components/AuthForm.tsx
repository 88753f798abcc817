"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { useAuth } from "@/auth/AuthProvider";
import { authClient } from "@/auth/client";
import { describeAuthError } from "@/lib/authErrors";
import { safeNextPath } from "@/lib/navigation";
import { ErrorMessage, FieldErrors } from "./Status";

export function AuthForm({ mode }: { mode: "sign-in" | "sign-up" }) {
  const router = useRouter();
  const next = safeNextPath(useSearchParams().get("next"));
  const { status } = useAuth();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<{ message: string; field?: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (status === "signed-in") router.replace(next);
  }, [status, next, router]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const fields: Record<string, string> = {};
    if (mode === "sign-up" && !name.trim()) fields.name = "Give your name.";
    if (!email.trim()) fields.email = "Give your email address.";
    if (!password) fields.password = "Give your password.";
    else if (mode === "sign-up" && password.length < 8) fields.password = "Use at least 8 characters.";
    const first = Object.entries(fields)[0];
    if (first) return setProblem({ field: first[0], message: first[1] });
    setBusy(true);
    setProblem(null);
    try {
      const { error } =
        mode === "sign-in"
          ? await authClient.signIn.email({ email: email.trim(), password })
          : await authClient.signUp.email({ name: name.trim(), email: email.trim(), password });
      if (error) setProblem(describeAuthError(mode, error));
      else router.replace(next);
    } catch {
      setProblem({ message: "The server cannot be reached. Check your connection and try again." });
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (field: string) => (problem?.field === field ? [problem.message] : undefined);
  const invalid = (field: string) => problem?.field === field || undefined;
  const describedBy = (field: string) => (problem?.field === field ? `${field}-error` : undefined);
  const title = mode === "sign-in" ? "Sign in" : "Create an account";
  return (
    <section className="narrow">
      <h1>{title}</h1>
      <form className="form" onSubmit={submit} noValidate aria-busy={busy}>
        {problem && !problem.field ? <ErrorMessage problem={problem.message} /> : null}
        {mode === "sign-up" ? (
          <div className="field">
            <label htmlFor="name">Name</label>
            <input id="name" type="text" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} aria-invalid={invalid("name")} aria-describedby={describedBy("name")} />
            <FieldErrors id="name-error" messages={fieldError("name")} />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={invalid("email")} aria-describedby={describedBy("email")} />
          <FieldErrors id="email-error" messages={fieldError("email")} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
            required
            minLength={mode === "sign-up" ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={invalid("password")}
            aria-describedby={[mode === "sign-up" ? "password-hint" : "", describedBy("password") ?? ""].filter(Boolean).join(" ") || undefined}
          />
          {mode === "sign-up" ? (
            <p className="hint" id="password-hint">
              At least 8 characters.
            </p>
          ) : null}
          <FieldErrors id="password-error" messages={fieldError("password")} />
        </div>
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? "Please wait…" : title}
          </button>
        </div>
      </form>
      <p>
        {mode === "sign-in" ? (
          <>
            No account yet? <Link href={`/sign-up${next !== "/tasks" ? `?next=${encodeURIComponent(next)}` : ""}`}>Sign up</Link>
          </>
        ) : (
          <>
            Already have an account? <Link href={`/sign-in${next !== "/tasks" ? `?next=${encodeURIComponent(next)}` : ""}`}>Sign in</Link>
          </>
        )}
      </p>
    </section>
  );
}
