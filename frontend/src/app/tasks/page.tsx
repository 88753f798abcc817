import type { Metadata } from "next";
import { Suspense } from "react";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";
import { TaskListView } from "@/components/TaskListView";

export const metadata: Metadata = { title: "Tasks" };

export default function TasksPage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <TaskListView />
      </RequireAuth>
    </Suspense>
  );
}
