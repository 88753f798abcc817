// A calendar feed (/ical/<token>.ics, calendar_feed_app) is the API's: forwarded like /api/*, so a feed's URL is on
// the UI's origin, the one public address of the product.
import { apiUpstream } from "@/auth/config";
import { forward } from "@/lib/forward";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  return forward(request, apiUpstream());
}

export { handle as GET, handle as HEAD };
