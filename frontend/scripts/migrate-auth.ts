/**
 * Creates or updates Better Auth's tables in the PostgreSQL schema `auth` (DATABASE_URL); idempotent.
 *
 *   npm run migrate:auth
 *
 * Runs Better Auth's own migration planner from code (`getMigrations(options).runMigrations()`), with the options the
 * UI server uses (src/auth/options.ts), so the tables always match the installed Better Auth and its plugins.
 * An advisory lock serialises concurrent runs. No secret is needed: nothing is signed here.
 */
import { getMigrations } from "better-auth/db/migration";
import { Client } from "pg";
import { AUTH_SCHEMA, readAuthConfig } from "../src/auth/config";
import { buildAuthOptions, createAuthPool } from "../src/auth/options";

// Any fixed 64-bit number, the same for every run of this script.
const LOCK_KEY = 7_236_001_742n;

async function main(): Promise<void> {
  const config = readAuthConfig(process.env, { requireSecret: false });
  const lock = new Client({ connectionString: config.databaseUrl, application_name: "todo-ui-migrate-auth" });
  await lock.connect();
  const pool = createAuthPool(config.databaseUrl);
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [LOCK_KEY.toString()]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS ${AUTH_SCHEMA}`);
    const { toBeCreated, toBeAdded, toBeAddedIndexes, runMigrations } = await getMigrations(
      buildAuthOptions(config, pool),
    );
    const created = toBeCreated.map((table) => table.table);
    const added = toBeAdded.flatMap((table) => Object.keys(table.fields).map((field) => `${table.table}.${field}`));
    const indexes = toBeAddedIndexes.map((index) => index.name);
    if (created.length + added.length + indexes.length === 0) {
      console.log(`migrate-auth: schema "${AUTH_SCHEMA}" is up to date`);
      return;
    }
    await runMigrations();
    console.log(
      `migrate-auth: schema "${AUTH_SCHEMA}": created tables [${created.join(", ")}], ` +
        `added columns [${added.join(", ")}], added indexes [${indexes.join(", ")}]`,
    );
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY.toString()]).catch(() => undefined);
    await lock.end();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error("migrate-auth: failed:", error instanceof Error ? error.message : error);
  process.exit(1);
});
