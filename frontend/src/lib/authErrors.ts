/** Better Auth's sign-in/sign-up errors, for people. */

export interface AuthError {
  status?: number;
  code?: string;
  message?: string;
}

/** Better Auth's error for people; the field it concerns, when it concerns one. */
export function describeAuthError(mode: "sign-in" | "sign-up", error: AuthError): { message: string; field?: "email" | "password" | "name" } {
  const code = error.code ?? "";
  if (mode === "sign-in" && (code === "INVALID_EMAIL_OR_PASSWORD" || error.status === 401)) {
    return { message: "Wrong email or password. Check both and try again." };
  }
  if (code === "USER_ALREADY_EXISTS" || code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") {
    return { message: "An account with this email already exists. Sign in instead.", field: "email" };
  }
  if (code === "PASSWORD_TOO_SHORT") return { message: "The password is too short: use at least 8 characters.", field: "password" };
  if (code === "PASSWORD_TOO_LONG") return { message: "The password is too long: use at most 128 characters.", field: "password" };
  if (code === "INVALID_EMAIL") return { message: "That is not a valid email address.", field: "email" };
  if (error.status === 429) return { message: "Too many attempts. Wait a minute and try again." };
  return { message: error.message || "Something went wrong. Try again." };
}
