// The report page's case list: filters, text search and pagination over the
// data in #report-data, one page of cases in the DOM at a time, so a
// thousand cases with four models open as fast as ten. Model output is
// untrusted text: it only ever goes into textContent, never into markup.
// Inlined into the page by lib/benchmark/report-page/render.ts.
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const { columns, cases, outputs } = data;
  const byId = (id) => document.getElementById(id);
  const controls = {
    type: byId("filter-type"),
    model: byId("filter-model"),
    verdict: byId("filter-verdict"),
    search: byId("filter-search"),
    pageSize: byId("page-size"),
  };
  const state = { page: 0, shown: new Set(columns.map((_, i) => i)), matches: [] };

  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // The verdicts of the "model" picked, alone or against the other side (the baseline, or for the baseline the last run).
  const otherOf = (subject) => (subject === 0 ? columns.length - 1 : 0);
  function verdictOptions(subject) {
    const me = columns[subject];
    const other = columns[otherOf(subject)];
    const options = [
      ["", "any"],
      ["type-wrong", `${me}: type wrong`],
      ["type-right", `${me}: type right`],
      ["format-invalid", `${me}: format invalid`],
      ["failed", `${me}: generation failed`],
    ];
    if (columns.length > 1) {
      options.splice(1, 0,
        ["type-wrong-other-right", `${me} wrong, ${other} right (type)`],
        ["type-right-other-wrong", `${me} right, ${other} wrong (type)`],
        ["format-invalid-other-valid", `${me} invalid, ${other} valid (format)`],
        ["format-valid-other-invalid", `${me} valid, ${other} invalid (format)`]);
    }
    return options;
  }
  const VERDICTS = {
    "type-wrong": (me) => !me.typeCorrect,
    "type-right": (me) => me.typeCorrect,
    "format-invalid": (me) => !me.valid,
    failed: (me) => me.error !== null,
    "type-wrong-other-right": (me, other) => other && !me.typeCorrect && other.typeCorrect,
    "type-right-other-wrong": (me, other) => other && me.typeCorrect && !other.typeCorrect,
    "format-invalid-other-valid": (me, other) => other && !me.valid && other.valid,
    "format-valid-other-invalid": (me, other) => other && me.valid && !other.valid,
  };

  function fillVerdicts() {
    const keep = controls.verdict.value;
    const subject = Number(controls.model.value);
    controls.verdict.replaceChildren(...verdictOptions(subject).map(([value, label]) => h("option", { value, text: label })));
    controls.verdict.value = verdictOptions(subject).some(([value]) => value === keep) ? keep : "";
  }

  const haystacks = [];
  const haystackOf = (i) =>
    (haystacks[i] ??= [cases[i].id, cases[i].expected, cases[i].diff || "", ...outputs.map((run) => (run[i] ? run[i].output : ""))].join("\n").toLowerCase());

  function applyFilters() {
    const type = controls.type.value;
    const subject = Number(controls.model.value);
    const verdict = VERDICTS[controls.verdict.value];
    const query = controls.search.value.trim().toLowerCase();
    state.matches = [];
    for (let i = 0; i < cases.length; i += 1) {
      if (type && (cases[i].expectedType ?? "(none)") !== type) continue;
      if (verdict) {
        const me = outputs[subject][i];
        if (!me || !verdict(me, outputs[otherOf(subject)][i])) continue;
      }
      if (query && !haystackOf(i).includes(query)) continue;
      state.matches.push(i);
    }
    state.page = 0;
    render();
  }

  const figure = (value, digits = 2) => (value === null || value === undefined ? "—" : value.toFixed(digits));
  function verdictList(result, expectedType) {
    if (result.error !== null) return h("ul", { class: "verdicts" }, h("li", { class: "bad", text: `generation failed: ${result.error}` }));
    const similarity = `edit similarity ${figure(result.editSimilarity)} · BLEU ${figure(result.bleu)} · ROUGE-L ${figure(result.rougeL)}`;
    return h("ul", { class: "verdicts" },
      h("li", { class: result.valid ? "good" : "bad", text: `format ${result.valid ? "✓" : "✗"}`, title: "commitlint, config-conventional" }),
      h("li", { class: result.typeCorrect ? "good" : "bad", text: `type ${result.type ?? "(none)"} ${result.typeCorrect ? "✓" : "✗"}`, title: `expected ${expectedType ?? "(none)"}` }),
      h("li", { text: `score ${Math.round(result.score)}`, title: "rubric score, 0–100" }),
      h("li", { text: `sim ${figure(result.editSimilarity)}`, title: similarity }));
  }

  function diffView(diff) {
    let added = 0;
    let removed = 0;
    const lines = diff.split("\n");
    for (const line of lines) {
      if (line.startsWith("+") && !line.startsWith("+++")) added += 1;
      else if (line.startsWith("-") && !line.startsWith("---")) removed += 1;
    }
    const details = h("details", { class: "diff" }, h("summary", { text: `diff · ${lines.length} lines · +${added} −${removed}` }));
    details.addEventListener("toggle", () => {
      if (!details.open || details.querySelector("pre")) return;
      const kind = (line) =>
        line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ") ? "meta"
          : line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
      details.append(h("pre", {}, lines.map((line) => h("span", { class: kind(line), text: line || " " }))));
    });
    return details;
  }

  function caseItem(i) {
    const item = cases[i];
    const shown = columns.map((_, m) => m).filter((m) => state.shown.has(m));
    const sides = h("div", { class: "sides", style: `--sides:${shown.length + 1}` },
      h("section", { class: "side expected" }, h("h4", { text: "expected" }), h("pre", { class: "msg", text: item.expected })),
      shown.map((m) => {
        const result = outputs[m][i];
        if (!result) return h("section", { class: "side" }, h("h4", { text: columns[m] }), h("p", { class: "muted", text: "not in this run" }));
        return h("section", { class: "side", "data-model": columns[m] },
          h("h4", { text: columns[m] }),
          h("pre", { class: "msg", text: result.output === "" ? "(empty)" : result.output }),
          verdictList(result, item.expectedType));
      }));
    return h("li", { class: "case", "data-id": item.id },
      h("header", {},
        h("code", { class: "case-id", text: item.id }),
        h("span", { class: "badge", text: item.expectedType ?? "(none)", title: "expected type" }),
        item.repository ? h("span", { class: "muted", text: item.repository }) : null),
      sides,
      item.diff === null ? h("p", { class: "muted", text: "diff not in this page" }) : diffView(item.diff));
  }

  function render() {
    const size = Number(controls.pageSize.value);
    const pages = Math.max(1, Math.ceil(state.matches.length / size));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * size;
    const slice = state.matches.slice(start, start + size);
    byId("case-list").replaceChildren(...slice.map(caseItem));
    byId("case-list").setAttribute("start", String(start + 1));
    const count = byId("match-count");
    count.dataset.count = String(state.matches.length);
    count.textContent = `${state.matches.length.toLocaleString("en")} of ${cases.length.toLocaleString("en")} cases` +
      (slice.length ? ` · showing ${start + 1}–${start + slice.length}` : "");
    byId("page-of").textContent = `page ${state.page + 1} of ${pages}`;
    byId("page-prev").disabled = state.page === 0;
    byId("page-next").disabled = state.page >= pages - 1;
  }

  function turn(by) {
    state.page += by;
    render();
    byId("pager-top").scrollIntoView({ block: "nearest" });
  }

  let searchTimer;
  controls.search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applyFilters, 150);
  });
  controls.type.addEventListener("change", applyFilters);
  controls.verdict.addEventListener("change", applyFilters);
  controls.model.addEventListener("change", () => {
    fillVerdicts();
    applyFilters();
  });
  controls.pageSize.addEventListener("change", () => {
    state.page = 0;
    render();
  });
  byId("page-prev").addEventListener("click", () => turn(-1));
  byId("page-next").addEventListener("click", () => turn(1));
  for (const box of document.querySelectorAll(".show-model")) {
    box.addEventListener("change", () => {
      if (box.checked) state.shown.add(Number(box.value));
      else state.shown.delete(Number(box.value));
      render();
    });
  }

  fillVerdicts();
  applyFilters();
  performance.mark("report-ready");
  document.documentElement.dataset.ready = "true";
})();
