import type { NextConfig } from "next";

// The browser talks to this origin only: /api/auth/* is Better Auth's route handler
// (src/app/api/auth/[...all]/route.ts), /api/{user_id}/events is streamed to the live-updates server by
// src/app/api/[userId]/events/route.ts, and every other /api/* is forwarded to Django by
// src/app/api/[...path]/route.ts (an explicit header allow-list, the API's error shape when it is down).
const nextConfig: NextConfig = {
  // The container image (frontend/Dockerfile) builds with NEXT_OUTPUT=standalone; `npm start` keeps `next start`.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  reactStrictMode: true,
  poweredByHeader: false,
  // pg stays a Node module on the server (not bundled).
  serverExternalPackages: ["pg"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
