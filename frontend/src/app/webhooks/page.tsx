import type { Metadata } from "next";
import { Suspense } from "react";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";
import { WebhooksView } from "@/components/WebhooksView";

export const metadata: Metadata = { title: "Webhooks" };

export default function WebhooksPage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <WebhooksView />
      </RequireAuth>
    </Suspense>
  );
}
