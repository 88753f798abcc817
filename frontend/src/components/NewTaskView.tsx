"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { networkProblem, problemOf } from "@/api/errors";
import { asTimeZoneName } from "@/api/types";
import { useSignedIn } from "@/auth/AuthProvider";
import { emptyTaskForm } from "@/lib/taskForm";
import { useKnownTags } from "@/lib/useKnownTags";
import { Loading } from "./Status";
import { TaskForm } from "./TaskForm";

export function NewTaskView() {
  const { api, user, timeZone, profile, profileProblem } = useSignedIn();
  const router = useRouter();
  const tags = useKnownTags(api, user.id);
  // One key per form: a submit repeated after a lost answer does not create the task twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  if (!profile && !profileProblem) return <Loading label="Loading your time zone…" />;
  return (
    <section className="narrow">
      <h1>New task</h1>
      <TaskForm
        initial={emptyTaskForm()}
        timeZone={timeZone}
        tagSuggestions={tags}
        submitLabel="Create task"
        onCancel={() => router.push("/tasks")}
        onSubmit={async (body) => {
          try {
            const { data, error, response } = await api.POST("/api/{user_id}/tasks", {
              params: { path: { user_id: user.id }, header: { "Idempotency-Key": idempotencyKey } },
              body: { ...body, timezone: asTimeZoneName(timeZone) },
            });
            if (data) {
              router.push(`/tasks/${data.id}`);
              return null;
            }
            setIdempotencyKey(crypto.randomUUID()); // a refused body is a different request once corrected
            return problemOf(error, response.status);
          } catch (error) {
            return networkProblem(error);
          }
        }}
      />
    </section>
  );
}
