// Every /api/* request but Better Auth's (/api/auth/*, a more specific route) goes to the Django API (API_ORIGIN).
import { apiUpstream } from "@/auth/config";
import { forward } from "@/lib/forward";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  return forward(request, apiUpstream());
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE, handle as HEAD };
