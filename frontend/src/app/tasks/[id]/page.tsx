import type { Metadata } from "next";
import { Suspense } from "react";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";
import { TaskDetailView } from "@/components/TaskDetailView";

// Reminder emails link here: PUBLIC_BASE_URL/tasks/{id}.
export const metadata: Metadata = { title: "Task" };

export default function TaskPage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <TaskDetailView />
      </RequireAuth>
    </Suspense>
  );
}
