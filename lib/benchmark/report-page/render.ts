/**
 * Renders the report page: the Eta templates in template/ (auto-escaped, so
 * model output is text, never markup), with every script and style inlined
 * — uPlot read from node_modules at build time, the page's own scripts
 * from assets/ — and the data as JSON. The Content-Security-Policy allows
 * exactly these inline scripts (by hash) and no fetch of any kind, so the
 * page cannot reach the network even by mistake; it opens from disk.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Eta } from "eta";
import { writeFileAtomic } from "../../core/files.js";
import type { ReportPage } from "./page.js";

const HERE = import.meta.dirname;
const eta = new Eta({ views: join(HERE, "template"), autoEscape: true, cache: true });
const require = createRequire(import.meta.url);

/** JSON that is safe inside <script type="application/json">: no "</script>", no "<!--". */
export const embedJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

let assets: Promise<{ styles: string; scripts: Record<"uplot" | "charts" | "cases", string> }> | undefined;

async function inlineScript(file: string): Promise<string> {
  const text = await readFile(file, "utf8");
  if (/<\/script/i.test(text)) throw new Error(`${file} contains "</script" and cannot be inlined`);
  return text;
}

function loadAssets() {
  assets ??= (async () => {
    const [uplotCss, pageCss, uplot, charts, cases] = await Promise.all([
      readFile(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
      readFile(join(HERE, "assets/styles.css"), "utf8"),
      inlineScript(require.resolve("uplot/dist/uPlot.iife.min.js")),
      inlineScript(join(HERE, "assets/charts.js")),
      inlineScript(join(HERE, "assets/cases.js")),
    ]);
    return { styles: `${uplotCss}\n${pageCss}`, scripts: { uplot, charts, cases } };
  })();
  return assets;
}

export async function renderReportPage(page: ReportPage): Promise<string> {
  const { styles, scripts } = await loadAssets();
  const csp = [
    "default-src 'none'",
    `script-src ${Object.values(scripts).map(sha256).join(" ")}`,
    "style-src 'unsafe-inline'", // the heat map shades are style attributes; styles cannot fetch under default-src 'none'
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const { cases, training, ...rest } = page;
  const data = { columns: page.summary.columns.map((c) => c.title), ...cases };
  return eta.render("./report", {
    page: rest,
    caseTypes: cases.types,
    training,
    csp,
    styles,
    scripts,
    casesJson: embedJson(data),
    trainingJson: embedJson(training),
  });
}

/** Writes the page (atomically: an open browser tab never sees half a file); returns its size in bytes. */
export async function writeReportPage(file: string, page: ReportPage): Promise<number> {
  await writeFileAtomic(file, await renderReportPage(page));
  return (await stat(file)).size;
}
