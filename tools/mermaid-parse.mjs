// Parses Mermaid diagrams with Mermaid's own parser (pinned in package.json), in jsdom instead of a browser.
// Usage: node tools/mermaid-parse.mjs FILE...   Prints [{file, ok, type|error}] as JSON; exit code 1 on any error.
import { readFile } from "node:fs/promises";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const results = [];
for (const file of process.argv.slice(2)) {
  try {
    const parsed = await mermaid.parse(await readFile(file, "utf8"));
    results.push({ file, ok: true, type: parsed.diagramType });
  } catch (error) {
    results.push({ file, ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
