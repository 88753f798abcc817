"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useAuth } from "@/auth/AuthProvider";
import { LiveStatus } from "./LiveStatus";

export function Nav() {
  const { status, user, signOut } = useAuth();
  const pathname = usePathname();
  const current = (href: string) => (pathname === href ? "page" : undefined);
  return (
    <header className="header">
      <nav className="nav" aria-label="Main">
        <Link href="/tasks" className="brand">
          Todo
        </Link>
        {status === "signed-in" ? <LiveStatus /> : null}
        {status === "signed-in" ? (
          <ul className="nav-links">
            <li>
              <Link href="/tasks" aria-current={current("/tasks")}>
                Tasks
              </Link>
            </li>
            <li>
              <Link href="/tasks/new" aria-current={current("/tasks/new")}>
                New task
              </Link>
            </li>
            <li>
              <Link href="/assistant" aria-current={current("/assistant")}>
                Assistant
              </Link>
            </li>
            <li>
              <Link href="/webhooks" aria-current={current("/webhooks")}>
                Webhooks
              </Link>
            </li>
            <li>
              <Link href="/profile" aria-current={current("/profile")}>
                Profile
              </Link>
            </li>
            <li>
              <button type="button" className="button button-quiet" onClick={() => void signOut()}>
                Sign out<span className="visually-hidden"> ({user?.email})</span>
              </button>
            </li>
          </ul>
        ) : status === "signed-out" ? (
          <ul className="nav-links">
            <li>
              <Link href="/sign-in" aria-current={current("/sign-in")}>
                Sign in
              </Link>
            </li>
            <li>
              <Link href="/sign-up" aria-current={current("/sign-up")}>
                Sign up
              </Link>
            </li>
          </ul>
        ) : null}
      </nav>
    </header>
  );
}
