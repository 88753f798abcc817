import type { Metadata } from "next";
import { Suspense } from "react";
import { EditTaskView } from "@/components/EditTaskView";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";

export const metadata: Metadata = { title: "Edit task" };

export default function EditTaskPage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <EditTaskView />
      </RequireAuth>
    </Suspense>
  );
}
