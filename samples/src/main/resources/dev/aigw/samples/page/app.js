'use strict';
// The demo page: runs a prediction through aigw's proxy, shows its output as it streams, and keeps a live view of
// every call aigw recorded. Plain DOM, no framework; data is only ever written with textContent.

const MAX_ROWS = 200;     // the app keeps as many
const CHART_CALLS = 30;
const USER_COOKIE = 'aigw-demo-user';
const TERMINAL = ['succeeded', 'failed', 'canceled', 'aborted'];

const $ = (id) => document.getElementById(id);
const state = { config: null, calls: [], seen: new Set() };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}

// ---- who is signed in: a cookie the app's demo sign-in filter reads ------------------------------------------

function currentUser() {
  const m = document.cookie.match(new RegExp('(?:^|; )' + USER_COOKIE + '=([^;]*)'));
  return m ? decodeURIComponent(m[1]) : null;
}

function signIn(name) {
  document.cookie = USER_COOKIE + '=' + encodeURIComponent(name) + '; path=/; SameSite=Strict';
}

// ---- running a prediction ------------------------------------------------------------------------------------

function fact(name, value) {
  $('facts').append(el('dt', {}, name), el('dd', {}, value));
}

function show(text, stateName) {
  const out = $('output');
  out.textContent = text;
  out.dataset.state = stateName;
}

function appendOutput(text) {
  const out = $('output');
  if (out.dataset.state !== 'streaming') {
    out.textContent = '';
    out.dataset.state = 'streaming';
  }
  out.append(text);
}

function outputText(output) {
  if (output === null || output === undefined) return '';
  if (Array.isArray(output)) return output.join('');
  return typeof output === 'string' ? output : JSON.stringify(output, null, 2);
}

async function problemText(res) {
  try {
    const p = await res.json();
    return `${res.status} ${p.title || p.detail || ''}: ${p.detail || JSON.stringify(p)}`;
  } catch (e) {
    return `${res.status} ${res.statusText}`;
  }
}

async function run(event) {
  event.preventDefault();
  const button = $('run');
  button.disabled = true;
  $('facts').replaceChildren();
  show('Creating the prediction…', 'waiting');
  try {
    const model = $('model').value;
    const body = { input: { prompt: $('prompt').value }, stream: true };
    if (state.config.webhook) {
      body.webhook = state.config.webhook;
      body.webhook_events_filter = ['completed'];
    }
    // The browser talks to Replicate's API as if it were on this origin; it holds no token.
    const createUrl = `${state.config.proxy}/models/${model}/predictions`;
    const res = await fetch(createUrl, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    if (!res.ok) {
      show(await problemText(res), 'error');
      return;
    }
    const prediction = await res.json();
    const cache = res.headers.get('cf-aig-cache-status');
    fact('created', `POST ${createUrl} → ${res.status}` + (cache ? ` (gateway cache ${cache})` : ''));
    fact('prediction', prediction.id);
    // The proxy rewrote Replicate's own URLs to point back at itself, so following them stays on the proxy.
    fact('urls.get', prediction.urls && prediction.urls.get);
    await streamOutput(prediction);
    const final = await fetch(prediction.urls.get).then((r) => r.json());
    if ($('output').dataset.state !== 'streaming') show(outputText(final.output) || '(no output)', 'done');
    $('output').dataset.state = final.status === 'succeeded' ? 'done' : 'error';
    const time = final.metrics && final.metrics.predict_time;
    fact('status', final.status + (time !== undefined ? ` · predict_time ${time.toFixed(2)} s` : '')
      + (final.error ? ` · ${final.error}` : ''));
  } catch (e) {
    show('Failed: ' + e.message, 'error');
  } finally {
    button.disabled = false;
  }
}

/** Output events from the app's relay; polls the prediction through the proxy when the model does not stream. */
function streamOutput(prediction) {
  return new Promise((resolve) => {
    const source = new EventSource(`api/predictions/${encodeURIComponent(prediction.id)}/stream`);
    let events = 0;
    source.addEventListener('output', (e) => { events++; appendOutput(e.data); });
    source.addEventListener('done', () => { source.close(); resolve(); });
    source.addEventListener('error', (e) => {
      source.close();   // never let EventSource reconnect and replay the stream
      if (e.data) {     // Replicate's own "error" event: the model failed
        let detail = e.data;
        try { detail = JSON.parse(e.data).detail || e.data; } catch (ignored) { /* plain text */ }
        show(detail, 'error');
        resolve();
      } else if (events > 0) {
        resolve();
      } else {
        show('Waiting for the output (this model does not stream)…', 'waiting');
        poll(prediction.urls.get).then(resolve);
      }
    });
  });
}

async function poll(url) {
  for (;;) {
    const p = await fetch(url).then((r) => r.json());
    if (TERMINAL.includes(p.status)) return p;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---- the calls: table, tiles and charts ----------------------------------------------------------------------

function madeBy(call) {
  if (call.source === 'webhook') return ['webhook', 'webhook'];
  if (!call.source) return ['–', ''];
  if (state.config && call.source === state.config.proxy + '/*') return ['page → proxy', 'proxy'];
  return ['app (JAX-RS)', 'app'];
}

/**
 * Gateway log ids are opaque: UUIDv7 since October 2026 (time first, so calls of one second share their start),
 * ULIDs before. The row shows their end, the tooltip all of it.
 */
function shortLogId(id) {
  return !id ? '–' : id.length > 12 ? '…' + id.slice(-12) : id;
}

/** OpenTelemetry trace ids: the row shows their start, as trace viewers do; the tooltip all of it. */
function shortTraceId(id) {
  return !id ? '–' : id.slice(0, 8) + '…';
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour12: false });
}

function row(call) {
  const [by, byClass] = madeBy(call);
  const bad = call.outcome !== 'SUCCESS';
  const status = (call.status || call.outcome.toLowerCase()) + (call.predictionStatus ? ' ' + call.predictionStatus : '');
  const cache = call.cache ? el('span', { class: 'tag ' + call.cache.toLowerCase() }, call.cache) : '–';
  const latency = call.method === 'WEBHOOK'
    ? (call.predictionTime !== null ? `predict ${call.predictionTime.toFixed(2)} s` : '–')
    : `${call.totalMs} ms`;
  const tr = el('tr', { class: 'fresh', 'data-seq': call.seq },
    el('td', {}, time(call.at)),
    el('td', {}, call.user || '–'),
    el('td', {}, el('span', { class: 'tag ' + byClass }, by)),
    el('td', { class: 'call', title: call.routedTo ? 'routed to ' + call.routedTo : 'not routed' },
      `${call.method} ${call.endpoint}`),
    el('td', {}, call.model || '–'),
    el('td', { class: bad ? 'status-bad' : 'status-ok', title: call.error || '' }, status),
    el('td', {}, cache),
    el('td', { class: 'log', title: call.logId || '' }, shortLogId(call.logId)),
    el('td', { class: 'log trace', title: call.traceId ? 'trace ' + call.traceId : 'no trace' },
      shortTraceId(call.traceId)),
    el('td', { class: 'num', title: call.headersMs !== null ? `headers after ${call.headersMs} ms` : '' }, latency));
  return tr;
}

function addCall(call, animate) {
  if (state.seen.has(call.seq)) return;
  state.seen.add(call.seq);
  state.calls.push(call);
  if (state.calls.length > MAX_ROWS) state.calls.shift();
  const body = $('calls').tBodies[0];
  const tr = row(call);
  if (!animate) tr.classList.remove('fresh');
  body.prepend(tr);
  while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  $('no-calls').hidden = true;
}

function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}

function kind(call) {
  if (call.outcome !== 'SUCCESS') return 'err';
  if (call.cache === 'HIT') return 'hit';
  if (call.cache === 'MISS') return 'miss';
  return 'none';
}

function renderStats() {
  const calls = state.calls.filter((c) => c.method !== 'WEBHOOK');
  const hits = calls.filter((c) => c.cache === 'HIT').length;
  const cacheable = calls.filter((c) => c.cache).length;
  $('stat-calls').textContent = calls.length;
  setValue('stat-hits', String(hits), cacheable ? `${Math.round((100 * hits) / cacheable)}%` : '');
  const m = median(calls.map((c) => c.totalMs));
  setValue('stat-latency', m === null ? '–' : String(m), m === null ? '' : 'ms');
  const byUser = new Map();
  for (const c of calls) {
    const u = c.user || 'anonymous';
    byUser.set(u, (byUser.get(u) || 0) + 1);
  }
  $('stat-users').textContent = byUser.size;
  renderLatency(calls.slice(-CHART_CALLS));
  renderUsers(byUser);
}

/** A tile's number with a small unit or share beside it. */
function setValue(id, value, small) {
  $(id).replaceChildren(value, ...(small ? [el('small', {}, small)] : []));
}

function renderLatency(calls) {
  const svg = $('latency-chart');
  const ns = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  const max = Math.max(50, ...calls.map((c) => c.totalMs));
  const slot = 300 / CHART_CALLS;
  calls.forEach((c, i) => {
    const h = Math.max(1.5, (c.totalMs / max) * 78);
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', (i * slot + slot * 0.15).toFixed(2));
    r.setAttribute('y', (88 - h).toFixed(2));
    r.setAttribute('width', (slot * 0.7).toFixed(2));
    r.setAttribute('height', h.toFixed(2));
    r.setAttribute('rx', '1');
    r.setAttribute('class', kind(c));
    const t = document.createElementNS(ns, 'title');
    t.textContent = `${c.method} ${c.endpoint}: ${c.totalMs} ms` + (c.cache ? ` (${c.cache})` : '');
    r.append(t);
    svg.append(r);
  });
  $('latency-max').textContent = calls.length ? `(tallest ${max} ms)` : '';
}

function renderUsers(byUser) {
  const max = Math.max(1, ...byUser.values());
  const rows = [...byUser.entries()].sort((a, b) => b[1] - a[1]).map(([user, n]) => {
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${(100 * n) / max}%`; // CSSOM, which the page's Content-Security-Policy allows
    return el('div', { class: 'bar' }, el('span', {}, user), el('div', { class: 'track' }, fill),
      el('span', { class: 'count' }, String(n)));
  });
  $('users-chart').replaceChildren(...rows);
}

function watchCalls() {
  const source = new EventSource('api/calls/events');
  source.addEventListener('call', (e) => {
    addCall(JSON.parse(e.data), true);
    renderStats();
  });
  // After a reconnect, catch up on what happened meanwhile (duplicates are dropped by seq).
  source.addEventListener('open', () => loadCalls());
}

async function loadCalls() {
  const calls = await fetch('api/calls').then((r) => r.json());
  calls.forEach((c) => addCall(c, false));
  renderStats();
}

// ---- start ---------------------------------------------------------------------------------------------------

async function start() {
  const config = await fetch('api/config').then((r) => r.json());
  state.config = config;
  const mode = $('mode');
  mode.textContent = config.gateway ? config.mode : 'aigw is off: set the AIGW_* settings';
  mode.title = config.gateway ? 'gateway: ' + config.gateway : '';
  mode.classList.toggle('off', !config.gateway);
  $('proxy-path').textContent = (config.proxy || '(no proxy)') + '/…';
  $('route-target').textContent = config.gateway ? config.gateway + '/replicate/…' : 'nowhere: aigw is off';
  $('model').replaceChildren(...config.models.map((m) => el('option', {}, m)));

  const user = $('user');
  const name = currentUser() || user.value;
  if (![...user.options].some((o) => o.value === name)) user.append(el('option', {}, name));
  user.value = name;
  signIn(name);
  user.addEventListener('change', () => signIn(user.value));

  $('run-form').addEventListener('submit', run);
  if (!config.proxy) {
    $('run').disabled = true;
    show('The proxy is not installed: set aigw.proxy.path (the WAR sets /replicate).', 'error');
  }
  watchCalls();
  await loadCalls();
}

start().catch((e) => show('The page could not start: ' + e.message, 'error'));
