"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { useAuth } from "@/auth/AuthProvider";
import { Loading } from "./Status";

/** Renders its children for a signed-in user; sends anyone else to the sign-in page (and back afterwards). */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, signingOut } = useAuth();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams().toString();
  useEffect(() => {
    if (status === "signed-out" && signingOut) router.replace("/sign-in");
    else if (status === "signed-out") {
      const next = pathname + (search ? `?${search}` : "");
      router.replace(`/sign-in?next=${encodeURIComponent(next)}`);
    }
  }, [status, signingOut, pathname, search, router]);
  if (status !== "signed-in") return <Loading label={status === "loading" ? "Checking your session…" : "Redirecting to sign in…"} />;
  return <>{children}</>;
}
