// A user's live-update stream (GET /api/{user_id}/events, Server-Sent Events) goes to the live-updates server
// (LIVE_ORIGIN), streamed through as it comes; this route is more specific than api/[...path], which sends every
// other /api/* to the Django API.
import { liveUpstream } from "@/auth/config";
import { forwardEvents } from "@/lib/forwardEvents";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return forwardEvents(request, liveUpstream());
}
