#!/usr/bin/env node
// Prints the first-load JavaScript of prerendered pages after `next build` (Next 16 no longer prints it):
// the scripts each page's HTML loads (not the noModule polyfills), gzipped. Usage: node scripts/first-load-js.mjs [route ...] (default: all).
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const app = join(".next", "server", "app");
const routes = process.argv.slice(2);
const pages = routes.length
  ? routes.map((route) => (route === "/" ? "index" : route.replace(/^\//, "")))
  : readdirSync(app, { recursive: true })
      .filter((file) => String(file).endsWith(".html"))
      .map((file) => String(file).replace(/\.html$/, ""));
for (const page of pages) {
  const html = join(app, `${page}.html`);
  if (!existsSync(html)) {
    console.log(`${page}: no prerendered HTML`);
    continue;
  }
  // Every script the page loads, except the legacy polyfills (`noModule`: modern browsers skip them).
  const text = readFileSync(html, "utf8");
  const legacy = new Set([...text.matchAll(/<script[^>]*src="\/_next\/(static\/[^"]+?\.js)"[^>]*noModule/gi)].map((m) => m[1]));
  const scripts = new Set(
    [...text.matchAll(/\/_next\/(static\/[^"'\s]+?\.js)/g)].map((m) => m[1]).filter((script) => !legacy.has(script)),
  );
  let raw = 0;
  let gzipped = 0;
  for (const script of scripts) {
    const content = readFileSync(join(".next", script));
    raw += content.length;
    gzipped += gzipSync(content, { level: 9 }).length;
  }
  console.log(`/${page === "index" ? "" : page}: ${scripts.size} scripts, ${(gzipped / 1024).toFixed(1)} kB gzipped (${(raw / 1024).toFixed(1)} kB raw)`);
}
