// The Sluice UI: pages drawn from the REST API (Spark's /api/v1 fields), polled every second.
"use strict";
const api = "/api/v1/applications";
let appId = null;
let timer = null;

const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const ms = v => v === undefined || v === null ? "-" : `${v} ms`;
const fmtTime = id => new Date(id).toISOString().replace("T", " ").replace("Z", "");

async function get(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

// A line of values over batch times, with a dashed line at `limit` when given (the batch interval for processing time).
function timeline(id, points, limit) {
  const w = 480, h = 120, pad = 4;
  const max = Math.max(1, limit || 0, ...points.map(p => p[1]));
  const xs = points.map(p => p[0]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const sx = t => pad + (x1 === x0 ? (w - 2 * pad) / 2 : (t - x0) / (x1 - x0) * (w - 2 * pad));
  const sy = v => h - pad - v / max * (h - 2 * pad);
  const pts = points.map(p => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ");
  const lim = limit ? `<line class="interval" x1="0" x2="${w}" y1="${sy(limit)}" y2="${sy(limit)}"></line>` : "";
  return `<svg id="${id}" class="timeline" width="${w}" height="${h}" data-points="${points.length}">${lim}<polyline points="${pts}"></polyline></svg>`;
}

// A histogram of the same values in ten bins.
function histogram(id, values) {
  const w = 200, h = 120, bins = 10;
  const max = Math.max(1, ...values);
  const counts = new Array(bins).fill(0);
  values.forEach(v => counts[Math.min(bins - 1, Math.floor(v / max * bins))]++);
  const top = Math.max(1, ...counts);
  const bw = w / bins;
  const bars = counts.map((c, i) => `<rect class="bar" x="${i * bw + 1}" y="${h - c / top * (h - 4)}" width="${bw - 2}" height="${c / top * (h - 4)}"></rect>`).join("");
  return `<svg id="${id}" class="histogram" width="${w}" height="${h}" data-values="${values.length}">${bars}</svg>`;
}

function row(label, id, points, limit) {
  return `<div class="timeline-row"><div class="label">${label}</div>${timeline(id + "-timeline", points, limit)}${histogram(id + "-histogram", points.map(p => p[1]))}</div>`;
}

function batchTable(id, batches) {
  const rows = batches.map(b => `<tr>
    <td><a class="batch-link" href="#/batch/${b.batchId}">${esc(fmtTime(b.batchId))}</a></td><td>${esc(b.status)}</td>
    <td>${b.inputSize}</td><td>${ms(b.schedulingDelay)}</td><td>${ms(b.processingTime)}</td><td>${ms(b.totalDelay)}</td>
    <td>${b.numCompletedOutputOps}/${b.numTotalOutputOps}${b.numFailedOutputOps ? ` <span class="failed">(${b.numFailedOutputOps} failed)</span>` : ""}</td></tr>`).join("");
  return `<table id="${id}"><tr><th>Batch time</th><th>Status</th><th>Records</th><th>Scheduling delay</th><th>Processing time</th><th>Total delay</th><th>Output ops</th></tr>${rows}</table>`;
}

async function streamingPage() {
  const [s, batches, receivers] = await Promise.all([
    get(`${api}/${appId}/streaming/statistics`), get(`${api}/${appId}/streaming/batches`), get(`${api}/${appId}/streaming/receivers`)]);
  const done = batches.filter(b => b.status === "COMPLETED").sort((a, b) => a.batchId - b.batchId);
  const active = batches.filter(b => b.status !== "COMPLETED");
  const rate = done.map(b => [b.batchId, b.inputSize * 1000 / s.batchDuration]);
  const receiverRows = receivers.map(r => row(`&nbsp;&nbsp;${esc(r.streamName)} [${r.streamId}]`, `receiver-${r.streamId}`, r.eventRates)).join("");
  return `<h2>Streaming statistics</h2>
    <p id="summary">Batches of <b>${s.batchDuration} ms</b> since ${esc(s.startTime)}
    (<span id="completed-count">${s.numTotalCompletedBatches}</span> completed batches, <span id="records">${s.numProcessedRecords}</span> records).
    Receivers: ${s.numActiveReceivers} active of ${s.numReceivers}.</p>
    <p>Averages: input rate ${s.avgInputRate === undefined ? "-" : s.avgInputRate.toFixed(2)} records/s, scheduling delay ${ms(s.avgSchedulingDelay)},
    processing time ${ms(s.avgProcessingTime)}, total delay ${ms(s.avgTotalDelay)}.</p>
    ${row("Input rate (records/s)", "input-rate", rate)}${receiverRows}
    ${row("Scheduling delay (ms)", "scheduling-delay", done.map(b => [b.batchId, b.schedulingDelay ?? 0]))}
    ${row("Processing time (ms)", "processing-time", done.map(b => [b.batchId, b.processingTime ?? 0]), s.batchDuration)}
    ${row("Total delay (ms)", "total-delay", done.map(b => [b.batchId, b.totalDelay ?? 0]))}
    <h3>Active batches (${active.length})</h3>${batchTable("active-batches", active)}
    <h3>Completed batches (last ${done.length} of ${s.numTotalCompletedBatches})</h3>${batchTable("completed-batches", done.slice().reverse())}`;
}

function inputTable(inputs) {
  const rows = inputs.map(i => `<tr><td>${i.streamId}</td><td>${esc(i.name)}</td><td class="input-records">${i.numRecords}</td>
    <td>${i.offsetRanges ? i.offsetRanges.map(r => `${esc(r.topic)}-${r.partition} [${r.fromOffset}, ${r.untilOffset})`).join("<br>") : "-"}</td></tr>`).join("");
  return `<table id="inputs"><tr><th>Stream</th><th>Source</th><th>Records</th><th>Offset ranges (from, until)</th></tr>${rows}</table>`;
}

function jobTable(jobs) {
  const rows = jobs.slice().sort((a, b) => a.jobId - b.jobId).map(j => `<tr class="job ${j.status === "FAILED" ? "failed" : ""}"><td>${j.jobId}</td><td>${j.outputOpId ?? "-"}</td>
    <td>${esc(j.name)}</td><td>${esc(j.status)}</td><td>${j.stageIds.join(", ")}</td><td>${j.numCompletedTasks}/${j.numTasks}</td>
    <td class="${j.numFailedTasks ? "failed" : ""}">${j.numFailedTasks}</td><td class="failed">${esc(j.failureReason)}</td></tr>`).join("");
  return `<table id="jobs"><tr><th>Job</th><th>Output op</th><th>Name</th><th>Status</th><th>Stages</th><th>Tasks (done/all)</th><th>Failed attempts</th><th>Error</th></tr>${rows}</table>`;
}

function stageTable(stages) {
  const rows = stages.slice().sort((a, b) => a.stageId - b.stageId).map(s => `<tr class="stage ${s.status === "FAILED" ? "failed" : ""}"><td>${s.stageId}</td><td>${s.jobId}</td>
    <td>${esc(s.name)}</td><td>${esc(s.kind)}</td><td>${esc(s.status)}</td><td>${s.numCompleteTasks}/${s.numTasks}</td><td class="${s.numFailedTasks ? "failed" : ""}">${s.numFailedTasks}</td>
    <td>${s.executorRunTime} ms</td><td>${s.taskSummary.duration.map(d => d.toFixed(1)).join(" / ")} ms</td><td class="failed">${esc(s.failureReason)}</td></tr>`).join("");
  return `<table id="stages"><tr><th>Stage</th><th>Job</th><th>Name</th><th>Kind</th><th>Status</th><th>Tasks (done/all)</th><th>Failed attempts</th>
    <th>Task time</th><th>Task duration min / median / max</th><th>Error</th></tr>${rows}</table>`;
}

async function batchPage(id) {
  const [b, ops, jobs, stages] = await Promise.all([get(`${api}/${appId}/streaming/batches/${id}`), get(`${api}/${appId}/streaming/batches/${id}/operations`),
    get(`${api}/${appId}/jobs?batchId=${id}`), get(`${api}/${appId}/stages`)]);
  const jobIds = new Set(jobs.map(j => j.jobId));
  const rows = ops.map(o => `<tr><td>${o.outputOpId}</td><td>${esc(o.name)}</td><td>${esc(o.description)}</td><td>${ms(o.duration)}</td>
    <td>${o.jobIds.join(", ")}</td><td class="failed">${esc(o.failureReason)}</td></tr>`).join("");
  return `<h2 id="batch-title">Batch at ${esc(fmtTime(b.batchId))}</h2>
    <table id="batch-details"><tr><th>Status</th><td>${esc(b.status)}</td></tr><tr><th>Batch duration</th><td>${ms(b.batchDuration)}</td></tr>
    <tr><th>Input size</th><td>${b.inputSize} records</td></tr><tr><th>Scheduling delay</th><td>${ms(b.schedulingDelay)}</td></tr>
    <tr><th>Processing time</th><td>${ms(b.processingTime)}</td></tr><tr><th>Total delay</th><td>${ms(b.totalDelay)}</td></tr></table>
    <h3>Input</h3>${inputTable(b.inputs)}
    <h3>Output operations</h3><table id="operations"><tr><th>Id</th><th>Name</th><th>Description</th><th>Duration</th><th>Jobs</th><th>Error</th></tr>${rows}</table>
    <h3>Jobs (${jobs.length})</h3>${jobTable(jobs)}
    <h3>Stages</h3>${stageTable(stages.filter(s => jobIds.has(s.jobId)))}
    <p><a href="#/streaming">Back to Streaming</a></p>`;
}

async function statePage() {
  const state = await get(`${api}/${appId}/streaming/state`);
  if (state.length === 0) return `<h2>State</h2><p id="no-state">No stateful operator has completed a batch yet.</p>`;
  const n = v => v === undefined || v === null ? "-" : v;
  const rows = state.map(s => `<tr class="state-operator"><td>${s.streamId}</td><td>${esc(s.name)}</td><td>${esc(fmtTime(s.batchId))}</td>
    <td class="state-keys">${s.numKeys}</td><td>${bytes(s.memoryBytes)} (${esc(s.memoryEstimate)})</td><td>${n(s.keysUpdated)}</td><td>${n(s.keysRemoved)}</td>
    <td>${n(s.keysTimedOut)}</td><td>${s.lastCheckpointBatchId === undefined ? "none yet" : `${esc(fmtTime(s.lastCheckpointBatchId))}, ${bytes(s.lastCheckpointSize)}`}</td></tr>`).join("");
  return `<h2>State</h2><table id="state"><tr><th>Stream</th><th>Operator</th><th>After batch</th><th>Keys</th><th>Memory (estimate)</th>
    <th>Updated in batch</th><th>Removed in batch</th><th>Timed out in batch</th><th>Last data checkpoint</th></tr>${rows}</table>`;
}

async function receiversPage() {
  const receivers = await get(`${api}/${appId}/streaming/receivers`);
  const rows = receivers.map(r => `<tr><td>${r.streamId}</td><td>${esc(r.streamName)}</td><td>${r.isActive === undefined ? "-" : r.isActive ? "ACTIVE" : "INACTIVE"}</td>
    <td>${esc(r.executorHost)}</td><td>${r.avgEventRate === undefined ? "-" : r.avgEventRate.toFixed(2)}</td>
    <td>${esc(r.lastErrorTime)}</td><td class="failed">${esc(r.lastErrorMessage)} ${esc(r.lastError)}</td></tr>`).join("");
  return `<h2>Receivers</h2><table id="receivers"><tr><th>Stream</th><th>Name</th><th>Status</th><th>Location</th><th>Avg rate (records/s)</th>
    <th>Last error time</th><th>Last error</th></tr>${rows}</table>`;
}

const bytes = v => v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v} B`;

async function checkpointsPage() {
  const c = await get(`${api}/${appId}/streaming/checkpoints`);
  const rows = c.history.map(k => `<tr class="${k.status === "FAILED" ? "failed" : ""}"><td>${esc(fmtTime(k.batchId))}</td><td>${esc(k.kind)}</td>
    <td>${esc(k.stream)}</td><td>${esc(k.startTime)}</td><td>${k.duration.toFixed(1)} ms</td><td>${bytes(k.size)}</td><td>${esc(k.status)}</td>
    <td>${esc(k.failureReason)}</td></tr>`).join("");
  const latest = c.latestCompleted ? `latest at ${esc(fmtTime(c.latestCompleted.batchId))} (${esc(c.latestCompleted.kind)}, ${bytes(c.latestCompleted.size)}, ${c.latestCompleted.duration.toFixed(1)} ms)` : "none yet";
  return `<h2>Checkpoints</h2>
    <p id="checkpoint-summary"><span id="checkpoints-completed">${c.numCompleted}</span> written (${bytes(c.totalBytes)}),
    <span id="checkpoints-failed" class="${c.numFailed ? "failed" : ""}">${c.numFailed}</span> failed; ${latest}.
    ${c.latestFailed ? `<br><span class="failed">Latest failure at ${esc(fmtTime(c.latestFailed.batchId))}: ${esc(c.latestFailed.failureReason)}</span>` : ""}</p>
    <table id="checkpoints"><tr><th>Batch</th><th>Kind</th><th>Stream</th><th>Started</th><th>Duration</th><th>Size</th><th>Status</th><th>Failure</th></tr>${rows}</table>`;
}

const wmTime = v => v === undefined || v === null ? "-" : v >= 9e18 ? "end of input" : fmtTime(v);

function watermarkTables(marks) {
  if (marks.length === 0) return "";
  return `<h2>Event-time watermarks</h2>` + marks.map(m => `<h3>${esc(m.stream)} [${m.streamId}]: <span class="watermark">${esc(wmTime(m.watermark))}</span></h3>
    <table class="watermark-partitions"><tr><th>Partition</th><th>Largest event time</th><th>Watermark</th><th>Idle</th><th>Last records in batch</th></tr>
    ${m.partitions.map(p => `<tr><td>${esc(p.partition)}</td><td>${esc(wmTime(p.maxEventTimeMs))}</td><td>${esc(wmTime(p.watermark))}</td><td>${p.idle ? "idle" : ""}</td><td>${esc(fmtTime(p.lastRecordBatchMs))}</td></tr>`).join("")}</table>`).join("");
}

async function sourcesPage() {
  const [sources, marks] = await Promise.all([get(`${api}/${appId}/streaming/sources`), get(`${api}/${appId}/streaming/watermarks`)]);
  if (sources.length === 0) return `<h2>Sources</h2><p id="no-sources">No direct source (receivers are on the Receivers page).</p>` + watermarkTables(marks);
  return watermarkTables(marks) + `<h2>Sources</h2>` + sources.map(s => `<h3>${esc(s.source)} [${s.streamId}]</h3>
    <p>Batch ${esc(fmtTime(s.batchId))}: ${s.numRecords} records${s.totalLag === undefined ? "" : `, <span class="source-lag">${s.totalLag}</span> left behind`}${s.maxRatePerPartition === undefined ? "" : `, at most ${s.maxRatePerPartition} records/s per partition`}${s.estimatedRate === undefined ? "" : `, backpressure ${s.estimatedRate.toFixed(0)} records/s`}.</p>
    <table class="source-partitions"><tr><th>Topic</th><th>Partition</th><th>From</th><th>Until</th><th>Records</th><th>Lag</th></tr>
    ${s.partitions.map(p => `<tr><td>${esc(p.topic)}</td><td>${p.partition}</td><td>${p.fromOffset}</td><td>${p.untilOffset}</td><td>${p.records}</td><td>${p.lag ?? "-"}</td></tr>`).join("")}</table>`).join("");
}

async function executorsPage() {
  const executors = await get(`${api}/${appId}/executors`);
  const rows = executors.map(e => `<tr><td>${esc(e.id)}</td><td>${e.isActive ? "ACTIVE" : "DEAD"}</td><td>${e.totalCores}</td>
    <td class="active-tasks">${e.activeTasks}</td><td class="completed-tasks">${e.completedTasks}</td><td class="${e.failedTasks ? "failed" : ""}">${e.failedTasks}</td>
    <td>${(e.totalDuration / 1000).toFixed(1)} s</td><td>${bytes(e.memoryUsed)} / ${bytes(e.maxMemory)}</td><td>${e.rddBlocks - e.blocksOnDisk}</td><td>${e.blocksOnDisk}</td>
    <td>${bytes(e.walBytesWritten)} (${e.walSyncs} syncs, ${e.walSyncTime.toFixed(1)} ms)</td><td>${(e.totalGCTime / 1000).toFixed(2)} s</td><td>${bytes(e.heapBytes)}</td></tr>`).join("");
  return `<h2>Executors</h2><table id="executors"><tr><th>Id</th><th>Status</th><th>Threads</th><th>Active tasks</th><th>Completed tasks</th>
    <th>Failed tasks</th><th>Task time</th><th>Storage memory</th><th>Blocks in memory</th><th>Blocks on disk</th><th>Write-ahead log</th>
    <th>GC pauses</th><th>Heap</th></tr>${rows}</table>`;
}

async function environmentPage() {
  const env = await get(`${api}/${appId}/environment`);
  const rows = env.sparkProperties.map(p => `<tr><td>${esc(p[0])}</td><td>${esc(p[1])}</td></tr>`).join("");
  return `<h2>Environment</h2><table id="properties"><tr><th>Name</th><th>Value</th></tr>${rows}</table>`;
}

async function render() {
  const hash = location.hash || "#/streaming";
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", hash.startsWith(a.getAttribute("href"))));
  try {
    if (!appId) {
      const apps = await get(api);
      if (apps.length === 0) { document.getElementById("page").textContent = "No application yet."; return; }
      appId = new URLSearchParams(location.search).get("app") || apps[apps.length - 1].id;
      const label = document.getElementById("app-name");
      if (apps.length === 1) {
        label.textContent = apps[0].name;
      } else {
        // The history server serves several applications: choose one (its id goes into the address).
        label.innerHTML = `<select id="app-select">${apps.map(a => `<option value="${esc(a.id)}"${a.id === appId ? " selected" : ""}>${esc(a.name)} (${esc(a.id)}${a.attempts[0].completed ? ", finished" : ""})</option>`).join("")}</select>`;
        document.getElementById("app-select").addEventListener("change", e => { location.search = `?app=${encodeURIComponent(e.target.value)}`; });
      }
    }
    const batch = hash.match(/^#\/batch\/(\d+)/);
    const html = batch ? await batchPage(batch[1])
      : hash.startsWith("#/receivers") ? await receiversPage()
      : hash.startsWith("#/environment") ? await environmentPage()
      : hash.startsWith("#/checkpoints") ? await checkpointsPage()
      : hash.startsWith("#/state") ? await statePage()
      : hash.startsWith("#/executors") ? await executorsPage()
      : hash.startsWith("#/sources") ? await sourcesPage()
      : await streamingPage();
    document.getElementById("page").innerHTML = html;
  } catch (e) {
    document.getElementById("page").textContent = `Could not read the REST API: ${e.message}`;
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => { await render(); schedule(); }, 1000);
}

window.addEventListener("hashchange", () => { render(); schedule(); });
render().then(schedule);
