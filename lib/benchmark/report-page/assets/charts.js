// The report page's loss chart: the training loss and the evaluation loss by
// step, drawn by uPlot (inlined beside this script) from #training-data. Its
// colours come from the page's CSS variables, so it follows light and dark
// mode; it is redrawn when the scheme changes and resized with its box.
(() => {
  "use strict";
  const training = JSON.parse(document.getElementById("training-data").textContent);
  const box = document.getElementById("loss-chart");
  if (!training || !box || training.loss.length === 0) return;

  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  // Training and evaluation points fall on different steps: uPlot.join aligns them on one x axis.
  const data = uPlot.join([
    [training.loss.map((p) => p.step), training.loss.map((p) => p.loss)],
    [training.eval.map((p) => p.step), training.eval.map((p) => p.evalLoss)],
  ]);
  const axis = (label) => ({ label, stroke: css("--muted"), grid: { stroke: css("--grid"), width: 1 }, ticks: { stroke: css("--grid"), width: 1 } });

  let chart;
  function draw() {
    if (chart) chart.destroy();
    chart = new uPlot({
      width: box.clientWidth,
      height: 260,
      scales: { x: { time: false } },
      legend: { live: true },
      series: [
        { label: "step" },
        { label: "training loss", stroke: css("--series-1"), width: 2, spanGaps: true, points: { show: false } },
        { label: "evaluation loss", stroke: css("--series-2"), width: 2, dash: [6, 4], spanGaps: true, points: { show: true, size: 6, fill: css("--series-2") } },
      ].slice(0, training.eval.length ? 3 : 2),
      axes: [axis("step"), axis("loss")],
    }, training.eval.length ? data : data.slice(0, 2), box);
  }
  draw();
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", draw);
  new ResizeObserver(() => chart && chart.setSize({ width: box.clientWidth, height: 260 })).observe(box);
})();
