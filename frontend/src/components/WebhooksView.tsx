"use client";
/**
 * Webhooks (webhooks_app, docs/webhooks.md): the person's HTTPS endpoints that receive their task changes, signed
 * with each endpoint's secret. Register one (URL, event types), see and rotate its secret, see its recent deliveries
 * and why it was disabled, enable it again, delete it.
 */
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import type { components } from "@/api/schema";
import { useSignedIn } from "@/auth/AuthProvider";
import { ConfirmDialog } from "./ConfirmDialog";
import { Empty, ErrorMessage, FieldErrors, Loading } from "./Status";

type Api = ReturnType<typeof useSignedIn>["api"];
type Endpoint = components["schemas"]["EndpointOutput"];
type Delivery = components["schemas"]["DeliveryOutput"];
type EventType = components["schemas"]["EventTypesEnum"];

const EVENT_TYPES: readonly { value: EventType; label: string }[] = [
  { value: "task.created", label: "Task created" },
  { value: "task.updated", label: "Task updated" },
  { value: "task.deleted", label: "Task deleted" },
];

export function WebhooksView() {
  const { api, user } = useSignedIn();
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => {
    setProblem(null);
    setVersion((v) => v + 1);
  }, []);

  useEffect(() => {
    let cancelled = false;
    api
      .GET("/api/{user_id}/webhooks", { params: { path: { user_id: user.id } } })
      .then(({ data, error, response }) => {
        if (cancelled) return;
        if (data) setEndpoints(data);
        else setProblem(problemOf(error, response.status));
      })
      .catch((error: unknown) => !cancelled && setProblem(networkProblem(error)));
    return () => {
      cancelled = true;
    };
  }, [api, user.id, version]);

  const replace = (changed: Endpoint) =>
    setEndpoints((list) => (list ?? []).map((endpoint) => (endpoint.id === changed.id ? changed : endpoint)));

  return (
    <section className="narrow">
      <h1>Webhooks</h1>
      <p className="hint">
        Your task changes are sent as signed JSON to the HTTPS addresses you register here. Check each request&apos;s{" "}
        <code>Webhook-Signature</code> header with the endpoint&apos;s secret: it is the hex HMAC-SHA256 of{" "}
        <code>&lt;Webhook-Timestamp&gt;.&lt;body&gt;</code>.
      </p>
      <NewEndpoint api={api} userId={user.id} onCreated={(endpoint) => setEndpoints((list) => [...(list ?? []), endpoint])} />
      <h2>Your endpoints</h2>
      {problem ? <ErrorMessage problem={problem} onRetry={reload} /> : null}
      {endpoints === null && !problem ? <Loading label="Loading your webhooks…" /> : null}
      {endpoints?.length === 0 ? <Empty>No webhook endpoints yet.</Empty> : null}
      {endpoints?.length ? (
        <ul className="webhook-list" aria-label="Webhook endpoints">
          {endpoints.map((endpoint) => (
            <li key={endpoint.id}>
              <EndpointCard
                api={api}
                userId={user.id}
                endpoint={endpoint}
                onChanged={replace}
                onDeleted={() => setEndpoints((list) => (list ?? []).filter((e) => e.id !== endpoint.id))}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function NewEndpoint({ api, userId, onCreated }: { api: Api; userId: string; onCreated: (endpoint: Endpoint) => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [types, setTypes] = useState<EventType[]>(EVENT_TYPES.map((t) => t.value));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const { data, error, response } = await api.POST("/api/{user_id}/webhooks", {
        params: { path: { user_id: userId } },
        body: { url, event_types: types, description },
      });
      if (data) {
        onCreated(data);
        setUrl("");
        setDescription("");
      } else setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
  }

  const urlErrors = problem?.fields.url;
  const typeErrors = problem?.fields.event_types;
  const descriptionErrors = problem?.fields.description;
  const fieldProblem = urlErrors || typeErrors || descriptionErrors;
  return (
    <form className="form card" onSubmit={submit} aria-busy={busy} aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">Add an endpoint</h2>
      {problem && !fieldProblem ? <ErrorMessage problem={problem} /> : null}
      <div className="field">
        <label htmlFor="webhook-url">Endpoint URL</label>
        <input
          id="webhook-url"
          type="url"
          required
          placeholder="https://example.com/hooks/todo"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          aria-invalid={urlErrors ? true : undefined}
          aria-describedby={urlErrors ? "webhook-url-error" : "webhook-url-hint"}
        />
        <p className="hint" id="webhook-url-hint">
          HTTPS, on a public address.
        </p>
        <FieldErrors id="webhook-url-error" messages={urlErrors} />
      </div>
      <fieldset className="field" aria-describedby={typeErrors ? "webhook-types-error" : undefined}>
        <legend>Events to send</legend>
        {EVENT_TYPES.map((type) => (
          <div className="field-check" key={type.value}>
            <input
              id={`webhook-type-${type.value}`}
              type="checkbox"
              checked={types.includes(type.value)}
              onChange={(event) =>
                setTypes((current) =>
                  event.target.checked ? [...current, type.value] : current.filter((value) => value !== type.value),
                )
              }
            />
            <label htmlFor={`webhook-type-${type.value}`}>{type.label}</label>
          </div>
        ))}
        <FieldErrors id="webhook-types-error" messages={typeErrors} />
      </fieldset>
      <div className="field">
        <label htmlFor="webhook-description">Description (optional)</label>
        <input
          id="webhook-description"
          type="text"
          maxLength={200}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          aria-invalid={descriptionErrors ? true : undefined}
          aria-describedby={descriptionErrors ? "webhook-description-error" : undefined}
        />
        <FieldErrors id="webhook-description-error" messages={descriptionErrors} />
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy || types.length === 0}>
          Add endpoint
        </button>
      </div>
    </form>
  );
}

function EndpointCard({
  api,
  userId,
  endpoint,
  onChanged,
  onDeleted,
}: {
  api: Api;
  userId: string;
  endpoint: Endpoint;
  onChanged: (endpoint: Endpoint) => void;
  onDeleted: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  const [showSecret, setShowSecret] = useState(false);
  const [confirm, setConfirm] = useState<"rotate" | "delete" | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const path = { params: { path: { user_id: userId, endpoint_id: endpoint.id } } };
  const titleId = `webhook-${endpoint.id}-title`;

  async function act(action: "rotate" | "enable" | "delete") {
    setBusy(true);
    setProblem(null);
    try {
      if (action === "delete") {
        const { error, response } = await api.DELETE("/api/{user_id}/webhooks/{endpoint_id}", path);
        if (response.ok) onDeleted();
        else setProblem(problemOf(error, response.status));
      } else {
        const { data, error, response } =
          action === "rotate"
            ? await api.POST("/api/{user_id}/webhooks/{endpoint_id}/rotate-secret", path)
            : await api.POST("/api/{user_id}/webhooks/{endpoint_id}/enable", path);
        if (data) {
          onChanged(data);
          if (action === "rotate") setShowSecret(true);
        } else setProblem(problemOf(error, response.status));
      }
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
    setConfirm(null);
  }

  async function loadDeliveries() {
    setProblem(null);
    try {
      const { data, error, response } = await api.GET("/api/{user_id}/webhooks/{endpoint_id}/deliveries", path);
      if (data) setDeliveries(data);
      else setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
  }

  return (
    <article className="card" aria-labelledby={titleId}>
      <h3 id={titleId} className="webhook-url">
        {endpoint.url}
      </h3>
      {endpoint.description ? <p>{endpoint.description}</p> : null}
      <p>
        <span className={endpoint.enabled ? "badge" : "badge badge-high"}>{endpoint.enabled ? "Enabled" : "Disabled"}</span>{" "}
        Sends: {endpoint.event_types.join(", ")}
      </p>
      {!endpoint.enabled ? (
        <p role="status" className="webhook-disabled">
          {endpoint.disabled_reason || "Disabled."}
        </p>
      ) : null}
      {problem ? <ErrorMessage problem={problem} /> : null}
      <div className="field">
        <label htmlFor={`webhook-${endpoint.id}-secret`}>Signing secret</label>
        <input
          id={`webhook-${endpoint.id}-secret`}
          type={showSecret ? "text" : "password"}
          readOnly
          value={endpoint.secret}
          onFocus={(event) => event.target.select()}
        />
      </div>
      <div className="actions">
        <button type="button" className="button" onClick={() => setShowSecret((shown) => !shown)}>
          {showSecret ? "Hide secret" : "Show secret"}
        </button>
        <button type="button" className="button" onClick={() => setConfirm("rotate")} disabled={busy}>
          Rotate secret
        </button>
        {!endpoint.enabled ? (
          <button type="button" className="button button-primary" onClick={() => void act("enable")} disabled={busy}>
            Enable again
          </button>
        ) : null}
        <button type="button" className="button" onClick={() => void loadDeliveries()} disabled={busy}>
          {deliveries === null ? "Show recent deliveries" : "Refresh deliveries"}
        </button>
        <button type="button" className="button" onClick={() => setConfirm("delete")} disabled={busy}>
          Delete
        </button>
      </div>
      {deliveries !== null ? <Deliveries deliveries={deliveries} label={`Recent deliveries to ${endpoint.url}`} /> : null}
      <ConfirmDialog
        open={confirm === "rotate"}
        title="Rotate the signing secret?"
        confirmLabel="Rotate"
        busy={busy}
        onConfirm={() => void act("rotate")}
        onCancel={() => setConfirm(null)}
      >
        <p>Deliveries are signed with the new secret from now on: update your receiver with it.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === "delete"}
        title="Delete this endpoint?"
        confirmLabel="Delete"
        busy={busy}
        onConfirm={() => void act("delete")}
        onCancel={() => setConfirm(null)}
      >
        <p>It receives nothing more, and its delivery log is deleted with it.</p>
      </ConfirmDialog>
    </article>
  );
}

function Deliveries({ deliveries, label }: { deliveries: Delivery[]; label: string }) {
  if (deliveries.length === 0) return <Empty>No deliveries yet.</Empty>;
  return (
    <table className="webhook-deliveries" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
          <th scope="col">Latency</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <td>
              {delivery.event_type} <span className="hint">task {delivery.task_id}</span>
            </td>
            <td>{delivery.status}</td>
            <td>{delivery.attempts}</td>
            <td>{delivery.last_error || (delivery.last_status_code ? `HTTP ${delivery.last_status_code}` : "—")}</td>
            <td>{delivery.latency_ms !== null ? `${delivery.latency_ms} ms` : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
