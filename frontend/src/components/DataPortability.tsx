"use client";
/**
 * The profile's export and import (portability_app): "Export my tasks" downloads every task as one JSON file
 * (GET /api/{user_id}/export); "Import tasks" sends such a file, possibly another account's, to
 * POST /api/{user_id}/import and says how many tasks it created, or what is wrong with the file (all or nothing).
 */
import { type FormEvent, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import type { components } from "@/api/schema";
import { useSignedIn } from "@/auth/AuthProvider";
import { ErrorMessage } from "./Status";

type Api = ReturnType<typeof useSignedIn>["api"];
type ExportDocument = components["schemas"]["ExportDocument"];

const MAX_LISTED_PROBLEMS = 20;

/** `filename="..."` of a Content-Disposition header, else a dated default. */
export function downloadName(disposition: string | null, today: Date = new Date()): string {
  const match = disposition ? /filename="([^"]+)"/.exec(disposition) : null;
  return match?.[1] ?? `todo-export-${today.toISOString().slice(0, 10)}.json`;
}

/** One line per problem of a refused file, a task's named by its position in the file (1-based). */
export function importProblems(problem: ProblemInfo): string[] {
  const keys = Object.keys(problem.fields);
  // problemOf also files nested messages under each parent key: keep only the most precise ones.
  const leaves = keys.filter((key) => !keys.some((other) => other.startsWith(`${key}.`)));
  const lines: string[] = [];
  for (const key of leaves) {
    const [top, index, ...field] = key.split(".");
    const where =
      top === "tasks" && index !== undefined && /^\d+$/.test(index)
        ? `Task ${Number(index) + 1} of the file${field.length ? ` (${field.join(".")})` : ""}`
        : key === "document"
          ? "The file"
          : key;
    for (const message of problem.fields[key] ?? []) lines.push(`${where}: ${message}`);
  }
  return lines.slice(0, MAX_LISTED_PROBLEMS);
}

export function DataPortability({ api, userId }: { api: Api; userId: string }) {
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState("");
  const [exportProblem, setExportProblem] = useState<ProblemInfo | null>(null);
  const [file, setFile] = useState<File | null>(null);
  // One key per chosen file: sending it again (a double click, a retry after a lost answer) imports it once.
  const [importKey, setImportKey] = useState(() => crypto.randomUUID());
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState("");
  const [importProblem, setImportProblem] = useState<ProblemInfo | null>(null);

  async function download() {
    setExporting(true);
    setExported("");
    setExportProblem(null);
    try {
      const { data, error, response } = await api.GET("/api/{user_id}/export", {
        params: { path: { user_id: userId } },
        parseAs: "blob",
      });
      if (data) {
        const name = downloadName(response.headers.get("content-disposition"));
        const url = URL.createObjectURL(data);
        const link = document.createElement("a");
        link.href = url;
        link.download = name;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        setExported(`Downloaded ${name}.`);
      } else setExportProblem(problemOf(error, response.status));
    } catch (error) {
      setExportProblem(networkProblem(error));
    }
    setExporting(false);
  }

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return;
    setImporting(true);
    setImported("");
    setImportProblem(null);
    try {
      const { data, error, response } = await api.POST("/api/{user_id}/import", {
        params: { path: { user_id: userId }, header: { "Idempotency-Key": importKey } },
        // The file is sent as it is, never parsed here: the API reads it as it arrives, however large.
        body: file as unknown as ExportDocument,
        bodySerializer: (body) => body as unknown as Blob,
        headers: { "Content-Type": "application/json" },
      });
      if (data) {
        const series = data.series ? ` (${data.series} of them in repeating series)` : "";
        setImported(`Imported ${data.imported} ${data.imported === 1 ? "task" : "tasks"}${series}.`);
      } else setImportProblem(problemOf(error, response.status));
    } catch (error) {
      setImportProblem(networkProblem(error));
    }
    setImporting(false);
  }

  const problems = importProblem ? importProblems(importProblem) : [];
  return (
    <section aria-labelledby="portability-title">
      <h2 id="portability-title">Export and import</h2>
      <p className="hint">
        Download all your tasks, open and completed, with their repeating series and reminders as one JSON file. Importing
        such a file, from this account or another, adds its tasks here.
      </p>
      {exportProblem ? <ErrorMessage problem={exportProblem} /> : null}
      <div className="actions">
        <button type="button" className="button" onClick={() => void download()} disabled={exporting}>
          {exporting ? "Exporting…" : "Export my tasks"}
        </button>
      </div>
      <p role="status" className="saved">
        {exported}
      </p>
      <form className="form" onSubmit={upload} aria-busy={importing}>
        <div className="field">
          <label htmlFor="import-file">Export file to import</label>
          <input
            id="import-file"
            type="file"
            accept="application/json,.json"
            aria-describedby="import-file-hint"
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setImportKey(crypto.randomUUID());
              setImported("");
              setImportProblem(null);
            }}
          />
          <p className="hint" id="import-file-hint">
            Completed tasks come in as history: they do not repeat again. Reminders whose time has passed are not sent.
          </p>
        </div>
        {importProblem ? (
          <ErrorMessage problem={importProblem}>
            {problems.length ? (
              <ul className="field-errors" aria-label="Problems in the file">
                {problems.map((line, index) => (
                  <li key={index}>{line}</li>
                ))}
              </ul>
            ) : null}
            <p>Nothing was imported.</p>
          </ErrorMessage>
        ) : null}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={!file || importing}>
            {importing ? "Importing…" : "Import tasks"}
          </button>
        </div>
        <p role="status" className="saved">
          {imported}
        </p>
      </form>
    </section>
  );
}
