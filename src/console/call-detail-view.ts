// One call: what happened in plain words (times in the business's time zone,
// named), the recording player, the transcript as a conversation (caller on
// the left, agent on the right, each turn labelled in words; a click on a
// turn's time plays the recording from there), interrupted agent turns
// marked, the messages the agent took, and the technical details (hang-up
// cause, latencies, failure text) behind "Details" toggles. A manager can
// delete the call's recording and transcript.
import type { CallDetail, CallWithConversation, MessageView, ToolCallView, TurnLatency, TurnView } from '../staff/call-views.js';
import { providerFailureText, setupFailureText } from '../staff/failure-text.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import { callerText } from './call-text.js';
import { engineLabel } from './engine-label.js';
import { humanizeSlug, statusText } from './call-status.js';
import { formatDuration, formatFullTime, knownTimeZone } from './format.js';
import { markAll } from './highlight.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { staffChrome } from './page-session.js';

/** What the page can say about the recording. */
export type RecordingState = 'available' | 'missing' | 'none';

export interface CallDetailView {
  context: StaffSessionContext;
  view: CallWithConversation;
  recording: RecordingState;
  /** The list's search, to mark in the transcript ('' for none). */
  search: string;
  notice: Html;
}

function fact(term: string, value: Html | string): Html {
  return html`<div><dt>${term}</dt><dd>${value}</dd></div>`;
}

function timeElement(iso: string, timeZone: string): Html {
  return html`<time datetime="${iso}">${formatFullTime(new Date(iso), timeZone)}</time>`;
}

function whatWentWrong(call: CallDetail): { summary: string; detail: string } | null {
  if (call.error !== null) return setupFailureText(call.error);
  if (call.failure !== null) return providerFailureText(call.failure.provider, call.failure.error);
  return null;
}

function facts(call: CallDetail, timeZone: string): Html {
  const { label, tone } = statusText(call.status);
  const problem = whatWentWrong(call);
  return html`<dl class="facts">
  ${fact('Started', timeElement(call.createdAt, timeZone))}
  ${fact('Caller', callerText(call.from))}
  ${fact('Number called', call.to)}
  ${fact('Duration', formatDuration(call.durationMs))}
  ${fact('Outcome', html`<span class="badge badge-${tone}">${label}</span>`)}
  ${call.transferTarget !== null ? fact('Transferred to', call.transferTarget) : ''}
  ${call.engine !== null ? fact('Engine', html`<span class="badge badge-engine">${engineLabel(call.engine)}</span>`) : ''}
  ${call.routedToHuman ? fact('Routing', 'Sent to a person (gradual rollout)') : ''}
  ${call.transferOutcome !== null ? fact('Warm transfer', humanizeSlug(call.transferOutcome)) : ''}
  ${call.amdResult !== null ? fact('Answered by', `${call.amdResult === 'machine' ? 'an answering machine' : humanizeSlug(call.amdResult)}${call.amdCause ? ` (${call.amdCause})` : ''}`) : ''}
  ${call.outboundPurpose !== null ? fact('Purpose', call.outboundPurpose) : ''}
  ${problem !== null ? fact('What went wrong', html`<span class="problem">${problem.summary}</span>`) : ''}
</dl>
<p class="muted small">Times in ${timeZone} time.</p>`;
}

function technical(call: CallDetail): Html {
  const problem = whatWentWrong(call);
  const hangup =
    call.hangupCause !== null
      ? `${humanizeSlug(call.hangupCause)}${call.hangupCauseCode !== null ? ` (Q.850 cause ${call.hangupCauseCode})` : ''}`
      : null;
  return html`<details class="technical"><summary>Technical details</summary><dl class="facts compact">
  ${fact('Call id', call.id)}
  ${fact('Direction', call.direction === 'outbound' ? 'Outbound' : 'Inbound')}
  ${hangup !== null ? fact('Hang-up cause', hangup) : ''}
  ${problem !== null ? fact('Error', html`<code>${problem.detail}</code>`) : ''}
</dl></details>`;
}

function recording(detail: CallDetailView, timeZone: string): Html {
  const { call } = detail.view;
  if (call.recordingDeletedAt !== null) {
    return html`<p class="muted">The recording was deleted on ${timeElement(call.recordingDeletedAt, timeZone)}.</p>`;
  }
  if (detail.recording === 'missing') {
    return html`<p class="alert" role="status">The recording of this call cannot be found on the server. Ask your administrator if you need it.</p>`;
  }
  if (call.recordingUrl === null || detail.recording === 'none') return html`<p class="muted">No recording for this call.</p>`;
  return html`<audio id="recording" controls preload="metadata" src="${call.recordingUrl}">
  <a href="${call.recordingUrl}?download=1">Download the recording</a>
</audio>
<p class="small"><a href="${call.recordingUrl}?download=1" download="call-${call.id}.wav">Download the recording (WAV)</a></p>`;
}

const LATENCY_PARTS: readonly [keyof TurnLatency, string, string][] = [
  ['voiceToVoiceMs', 'Answered after', 'from the end of the caller’s speech to the first sound of the answer'],
  ['sttFinalMs', 'Speech recognised after', 'speech to text: the final transcript'],
  ['llmFirstTokenMs', 'First word thought of after', 'language model: the first word of the answer'],
  ['ttsFirstAudioMs', 'Voice ready after', 'text to speech: the first audio'],
];

function latency(value: TurnLatency | null): Html {
  if (value === null) return html``;
  const parts = LATENCY_PARTS.filter(([key]) => value[key] !== null).map(
    ([key, label, title]) => html`<li><abbr title="${title}">${label}</abbr> <span class="num">${value[key]} ms</span></li>`,
  );
  return html`<details class="latency-details"><summary>Details</summary><ul class="latency" aria-label="Response time, from the end of the caller’s speech">${parts}</ul></details>`;
}

/** The business tools the agent used in a turn: what it asked and what it got, behind a toggle. */
function toolCalls(tools: readonly ToolCallView[]): Html {
  return html`<ul class="tool-calls">${tools.map(
    (tool) => html`<li><details><summary>${tool.ok ? 'Used' : 'Tried'} <code>${tool.name}</code>${tool.source === 'mcp' ? ' (MCP)' : ''}${tool.ok ? '' : html` <span class="badge badge-bad">Failed</span>`} <span class="muted small">${tool.durationMs} ms</span></summary>
<dl class="facts compact"><div><dt>Asked with</dt><dd><code>${tool.arguments}</code></dd></div><div><dt>${tool.ok ? 'Answer' : 'What failed'}</dt><dd><code>${tool.result}</code></dd></div></dl></details></li>`,
  )}</ul>`;
}

function turn(item: TurnView, callStart: number, search: string, seekable: boolean): Html {
  const speaker = item.role === 'caller' ? 'Caller' : 'Agent';
  const offsetMs = Math.max(0, new Date(item.startedAt).getTime() - callStart);
  const offset = formatDuration(offsetMs);
  const interrupted = item.interrupted ? html` <span class="badge badge-warn">Interrupted by the caller</span>` : '';
  const text = item.text.trim() === '' ? html`<span class="muted">(nothing said)</span>` : markAll(item.text, search);
  // Without a script the time is plain text; app.js turns it into a button that plays from there.
  const time = seekable
    ? html`<button type="button" class="seek" data-seek-seconds="${(offsetMs / 1000).toFixed(1)}" hidden aria-label="Play the recording from ${offset}">▶ ${offset}</button><span class="muted seek-text">at ${offset}</span>`
    : html`<span class="muted">at ${offset}</span>`;
  return html`<li class="turn turn-${item.role}${item.interrupted ? ' turn-interrupted' : ''}">
  <p class="turn-meta"><span class="speaker">${speaker}</span> ${time}${interrupted}</p>
  <p class="turn-text">${text}${item.interrupted ? html`<span aria-hidden="true"> —</span>` : ''}</p>
  ${item.role === 'agent' ? latency(item.latency) : ''}
  ${item.tools ? toolCalls(item.tools) : ''}
</li>`;
}

function transcript(detail: CallDetailView, timeZone: string): Html {
  const { view } = detail;
  if (view.call.transcriptDeletedAt !== null) {
    return html`<p class="muted">What was said on this call was deleted on ${timeElement(view.call.transcriptDeletedAt, timeZone)}.</p>`;
  }
  if (view.turns.length === 0) return html`<p class="muted">Nothing was said on this call.</p>`;
  const callStart = new Date(view.call.answeredAt ?? view.call.createdAt).getTime();
  const seekable = detail.recording === 'available' && view.call.recordingUrl !== null;
  return html`${seekable ? html`<p class="small muted seek-hint" hidden>Select a time to play the recording from there.</p>` : ''}<ol class="transcript">
${view.turns.map((item) => turn(item, callStart, detail.search, seekable))}
</ol>`;
}

function message(item: MessageView, timeZone: string): Html {
  return html`<li><dl class="facts compact">
  ${fact('Name', item.callerName)}
  ${fact('Call back on', item.callbackNumber)}
  ${fact('Reason', item.reason)}
  ${fact('Taken', timeElement(item.createdAt, timeZone))}
</dl></li>`;
}

function deletion(detail: CallDetailView): Html {
  const { call } = detail.view;
  if (detail.context.user.role !== 'manager' || call.status === 'ringing' || call.status === 'answered') return html``;
  if (call.recordingUrl === null && call.transcriptDeletedAt !== null) return html``;
  return html`<section aria-labelledby="delete-title" class="danger-zone">
<h2 id="delete-title">Delete this call’s recording and transcript</h2>
<details><summary>Delete recording and transcript…</summary>
<p>For example when the caller asks for it. The call stays in the list and the statistics; its recording, what was said and the contents of its messages are deleted for good, and the audit log records that you did it.</p>
<form method="post" action="/calls/${call.id}/delete">
  <input type="hidden" name="csrf" value="${detail.context.csrfToken}">
  <button type="submit" class="danger">Delete recording and transcript</button>
</form>
</details>
</section>`;
}

export function renderCallDetail(detail: CallDetailView): string {
  const { context, view } = detail;
  const timeZone = knownTimeZone(context.business.timezone);
  const { call } = view;
  const title = `Call from ${callerText(call.from)}`;
  return renderPage(
    { title, page: 'call', ...staffChrome(context, 'calls') },
    html`<p class="back"><a href="/calls">← All calls</a></p>
<h1>${title}</h1>
${detail.notice}
${facts(call, timeZone)}
<section aria-labelledby="recording-title">
<h2 id="recording-title">Recording</h2>
${recording(detail, timeZone)}
</section>
<section aria-labelledby="transcript-title">
<h2 id="transcript-title">Transcript</h2>
${transcript(detail, timeZone)}
</section>
${view.messages.length > 0 && call.transcriptDeletedAt === null
  ? html`<section aria-labelledby="messages-title">
<h2 id="messages-title">Messages taken</h2>
<ul class="messages">${view.messages.map((item) => message(item, timeZone))}</ul>
</section>`
  : ''}
${technical(call)}
${deletion(detail)}`,
  );
}
