// Reads `npm audit --json` on stdin and says, in one line per finding, what it found (see npm-audit.sh).
import { readFileSync } from "node:fs";

let report = {};
try {
  report = JSON.parse(readFileSync(0, "utf8") || "{}");
} catch {
  // Not JSON at all: treated like an unreachable service below.
}
if (!report.metadata) {
  const why = report.statusCode ? `HTTP ${report.statusCode}` : (report.error?.code ?? report.message ?? "no answer");
  console.log(`npm audit: the registry's audit service cannot be reached here (${why}); the UI's production packages were NOT audited.`);
  process.exit(0);
}
const found = report.metadata.vulnerabilities;
const packages = report.metadata.dependencies?.prod ?? report.metadata.dependencies?.total ?? "?";
if (found.total === 0) {
  console.log(`npm audit: no known vulnerability in the UI's ${packages} production packages.`);
  process.exit(0);
}
for (const [name, v] of Object.entries(report.vulnerabilities)) {
  const via = v.via.map((x) => (typeof x === "string" ? x : `${x.title} (${x.url})`)).join("; ");
  console.log(`npm audit: ${name} ${v.range} (${v.severity}): ${via}`);
}
console.log(`npm audit: ${found.total} known vulnerabilities in the UI's production packages; fix them (or an override in ui/package.json) before shipping.`);
process.exit(1);
