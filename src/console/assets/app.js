// Progressive enhancement of the console's server-rendered pages; every page
// works without it. The live page follows /api/live/events (server-sent
// events) and keeps its rows and durations current; the call list (and the
// operator's business choice) applies a filter as soon as a select or a date
// changes; on a call, a turn's time plays the recording from there. Received
// data only ever reaches the page as text (textContent), never as markup.

const page = document.body.dataset.page;
if (['calls', 'operator-dashboard', 'operator-audit'].includes(page)) submitFiltersOnChange();
if (page === 'live') followLiveCalls();
if (page === 'call') seekFromTranscript();

function seekFromTranscript() {
  const audio = document.getElementById('recording');
  if (!audio) return;
  for (const hint of document.querySelectorAll('.seek-hint')) hint.hidden = false;
  for (const button of document.querySelectorAll('button.seek')) {
    button.hidden = false;
    if (button.nextElementSibling?.classList.contains('seek-text')) button.nextElementSibling.hidden = true;
    button.addEventListener('click', () => {
      audio.currentTime = Number(button.dataset.seekSeconds) || 0;
      audio.play().catch(() => {});
    });
  }
}

function submitFiltersOnChange() {
  const form = document.querySelector('form[data-autosubmit]');
  form?.addEventListener('change', (event) => {
    if (event.target.matches('select, input[type="date"]')) form.requestSubmit();
  });
}

/** "0:07", "12:34", "1:02:03" (the same as format.ts's formatDuration). */
function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function fillLastTurn(cell, turn) {
  cell.replaceChildren();
  if (!turn) return;
  cell.append(element('strong', turn.role === 'caller' ? 'Caller:' : 'Agent:'), ` ${turn.text}`);
  if (turn.interrupted) cell.append(' ', element('em', '(interrupted)'));
}

function cell(label, content, attributes = {}) {
  const td = element('td', undefined, { 'data-label': label, ...attributes });
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

function followLiveCalls() {
  const body = document.querySelector('#live-calls tbody');
  const table = document.getElementById('live-table');
  const empty = document.getElementById('live-empty');
  const status = document.getElementById('live-status');
  /** callId -> { row, startedAtMs } where startedAtMs is on this page's clock. */
  const calls = new Map();

  const track = (row, durationMs) => calls.set(row.dataset.callId, { row, startedAtMs: performance.now() - durationMs });
  for (const row of body.querySelectorAll('tr[data-call-id]')) track(row, Number(row.dataset.durationMs) || 0);

  function refreshEmptyState() {
    table.hidden = calls.size === 0;
    empty.hidden = calls.size !== 0;
  }

  function upsert(call) {
    const known = calls.get(call.id);
    const row = known?.row ?? element('tr', undefined, { 'data-call-id': call.id });
    const link = element('a', call.from || 'Unknown number', { href: `/calls/${encodeURIComponent(call.id)}` });
    const badge = element('span', call.status === 'answered' ? 'In progress' : 'Ringing', { class: 'badge badge-live' });
    const lastTurn = cell('Last said', '', { 'data-role': 'last-turn' });
    fillLastTurn(lastTurn, call.lastTurn);
    row.replaceChildren(
      cell('Caller', link),
      cell('Dialed', call.to),
      cell('Status', badge),
      cell('Duration', formatDuration(call.durationMs), { class: 'num', 'data-role': 'duration' }),
      lastTurn,
    );
    if (!known) body.append(row);
    track(row, call.durationMs);
    refreshEmptyState();
  }

  function remove(callId) {
    calls.get(callId)?.row.remove();
    calls.delete(callId);
    refreshEmptyState();
  }

  function tick() {
    const now = performance.now();
    for (const { row, startedAtMs } of calls.values()) {
      const duration = row.querySelector('[data-role="duration"]');
      if (duration) duration.textContent = formatDuration(now - startedAtMs);
    }
  }

  const on = (type, handle) => source.addEventListener(type, (event) => handle(JSON.parse(event.data)));
  const source = new EventSource('/api/live/events');
  source.addEventListener('open', () => (status.textContent = 'Updating live.'));
  source.addEventListener('error', () => {
    status.textContent = source.readyState === EventSource.CLOSED ? 'Disconnected. Reload the page.' : 'Reconnecting…';
  });
  on('snapshot', ({ calls: current }) => {
    for (const callId of [...calls.keys()]) if (!current.some((call) => call.id === callId)) remove(callId);
    for (const call of current) upsert(call);
  });
  on('call.started', ({ call }) => upsert(call));
  on('call.answered', ({ call }) => upsert(call));
  on('call.turn', ({ callId, turn }) => {
    const lastTurn = calls.get(callId)?.row.querySelector('[data-role="last-turn"]');
    if (lastTurn) fillLastTurn(lastTurn, turn);
  });
  on('call.ended', ({ callId }) => remove(callId));
  on('session.ended', () => {
    source.close();
    window.location.assign('/login?next=%2Flive');
  });
  setInterval(tick, 1000);
}
