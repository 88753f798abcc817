import type { Metadata } from "next";
import { Suspense } from "react";
import { NewTaskView } from "@/components/NewTaskView";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";

export const metadata: Metadata = { title: "New task" };

export default function NewTaskPage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <NewTaskView />
      </RequireAuth>
    </Suspense>
  );
}
