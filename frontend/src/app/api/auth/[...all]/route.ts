// Better Auth's endpoints: sign-up/sign-in/sign-out (email and password), get-session, token (the API's JWT), jwks.
import { toNextJsHandler } from "better-auth/next-js";
import { getAuth } from "@/auth/server";

export const dynamic = "force-dynamic";

const handle = (request: Request) => getAuth().handler(request);

export const { GET, POST, PATCH, PUT, DELETE } = toNextJsHandler(handle);
