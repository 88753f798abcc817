"use client";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { networkProblem, problemOf } from "@/api/errors";
import { useSignedIn } from "@/auth/AuthProvider";
import { taskToForm } from "@/lib/taskForm";
import { useKnownTags } from "@/lib/useKnownTags";
import { parseTaskId, useTask } from "@/lib/useTask";
import { ErrorMessage, Loading } from "./Status";
import { TaskForm } from "./TaskForm";

export function EditTaskView() {
  const taskId = parseTaskId(useParams<{ id: string }>().id);
  if (taskId === null) {
    return (
      <section>
        <h1>Task not found</h1>
        <p>
          <Link href="/tasks">Back to your tasks</Link>
        </p>
      </section>
    );
  }
  return <EditTask taskId={taskId} />;
}

function EditTask({ taskId }: { taskId: number }) {
  const { api, user, timeZone: profileZone } = useSignedIn();
  const router = useRouter();
  const { state, reload } = useTask(api, user.id, taskId);
  const tags = useKnownTags(api, user.id);
  if (state.kind === "loading") return <Loading label="Loading the task…" />;
  if (state.kind === "error") {
    return (
      <section>
        <h1>The task could not be loaded</h1>
        <ErrorMessage problem={state.problem} onRetry={state.problem.status === 404 ? undefined : reload} />
        <p>
          <Link href="/tasks">Back to your tasks</Link>
        </p>
      </section>
    );
  }
  const task = state.task;
  // A task keeps the zone it was made in: its wall-clock times (and recurrence) are edited there.
  const zone = task.timezone || profileZone;
  return (
    <section className="narrow">
      <h1>Edit task</h1>
      <TaskForm
        key={task.id}
        initial={taskToForm(task, zone)}
        timeZone={zone}
        tagSuggestions={tags}
        submitLabel="Save changes"
        onCancel={() => router.push(`/tasks/${task.id}`)}
        onSubmit={async (body) => {
          try {
            const { data, error, response } = await api.PATCH("/api/{user_id}/tasks/{task_id}", {
              params: { path: { user_id: user.id, task_id: task.id } },
              body,
            });
            if (data) {
              router.push(`/tasks/${data.id}`);
              return null;
            }
            return problemOf(error, response.status);
          } catch (error) {
            return networkProblem(error);
          }
        }}
      />
    </section>
  );
}
