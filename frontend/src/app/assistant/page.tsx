import type { Metadata } from "next";
import { Suspense } from "react";
import { AssistantView } from "@/components/AssistantView";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";

export const metadata: Metadata = { title: "Assistant" };

export default function AssistantPage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <AssistantView />
      </RequireAuth>
    </Suspense>
  );
}
