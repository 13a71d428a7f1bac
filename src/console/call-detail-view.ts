// One call: what happened (times in the business's time zone, numbers,
// duration, status, hang-up cause, failure), the recording player, the
// transcript as a conversation (caller on the left, agent on the right, each
// turn also labelled in words), interrupted agent turns marked, each agent
// turn's latency breakdown, and the messages the agent took.
import type { CallDetail, CallWithConversation, MessageView, TurnLatency, TurnView } from '../staff/call-views.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import { callerText } from './call-text.js';
import { humanizeSlug, statusText } from './call-status.js';
import { formatDuration, formatFullTime, knownTimeZone } from './format.js';
import { html, type Html } from './html.js';
import { renderPage } from './layout.js';
import { staffChrome } from './page-session.js';

function fact(term: string, value: Html | string): Html {
  return html`<div><dt>${term}</dt><dd>${value}</dd></div>`;
}

function timeElement(iso: string, timeZone: string): Html {
  return html`<time datetime="${iso}">${formatFullTime(new Date(iso), timeZone)}</time>`;
}

function facts(call: CallDetail, timeZone: string): Html {
  const { label, tone } = statusText(call.status);
  const hangup =
    call.hangupCause !== null
      ? `${humanizeSlug(call.hangupCause)}${call.hangupCauseCode !== null ? ` (Q.850 cause ${call.hangupCauseCode})` : ''}`
      : null;
  return html`<dl class="facts">
  ${fact('Started', timeElement(call.createdAt, timeZone))}
  ${fact('Caller', callerText(call.from))}
  ${fact('Dialed number', call.to)}
  ${fact('Direction', call.direction === 'outbound' ? 'Outbound' : 'Inbound')}
  ${fact('Duration', formatDuration(call.durationMs))}
  ${fact('Status', html`<span class="badge badge-${tone}">${label}</span>`)}
  ${hangup !== null ? fact('Hang-up', hangup) : ''}
  ${call.transferTarget !== null ? fact('Transferred to', call.transferTarget) : ''}
  ${call.routedToHuman ? fact('Routing', 'Sent to a person (gradual rollout)') : ''}
  ${call.transferOutcome !== null ? fact('Warm transfer', humanizeSlug(call.transferOutcome)) : ''}
  ${call.amdResult !== null ? fact('Answered by', `${call.amdResult === 'machine' ? 'an answering machine' : humanizeSlug(call.amdResult)}${call.amdCause ? ` (${call.amdCause})` : ''}`) : ''}
  ${call.outboundPurpose !== null ? fact('Purpose', call.outboundPurpose) : ''}
  ${call.error !== null ? fact('Failure', html`<span class="problem">${call.error}</span>`) : ''}
  ${call.failure !== null ? fact('Provider failure', html`<span class="problem">${call.failure.provider.toUpperCase()}: ${call.failure.error}</span>`) : ''}
</dl>`;
}

function recording(call: CallDetail): Html {
  if (call.recordingUrl === null) return html`<p class="muted">No recording for this call.</p>`;
  return html`<audio controls preload="metadata" src="${call.recordingUrl}">
  <a href="${call.recordingUrl}">Download the recording</a>
</audio>
<p class="small"><a href="${call.recordingUrl}" download="call-${call.id}.wav">Download the recording (WAV)</a></p>`;
}

const LATENCY_PARTS: readonly [keyof TurnLatency, string, string][] = [
  ['sttFinalMs', 'STT', 'speech to text: the final transcript'],
  ['llmFirstTokenMs', 'LLM', 'language model: the first word of the answer'],
  ['ttsFirstAudioMs', 'TTS', 'text to speech: the first audio'],
  ['voiceToVoiceMs', 'Voice to voice', 'from the end of the caller’s speech to the first sound of the answer'],
];

function latency(value: TurnLatency | null): Html {
  if (value === null) return html``;
  const parts = LATENCY_PARTS.filter(([key]) => value[key] !== null).map(
    ([key, label, title]) => html`<li><abbr title="${title}">${label}</abbr> <span class="num">${value[key]!} ms</span></li>`,
  );
  return html`<ul class="latency" aria-label="Latency, from the end of the caller’s speech">${parts}</ul>`;
}

function turn(item: TurnView, callStart: number): Html {
  const speaker = item.role === 'caller' ? 'Caller' : 'Agent';
  const offset = formatDuration(Math.max(0, new Date(item.startedAt).getTime() - callStart));
  const interrupted = item.interrupted ? html` <span class="badge badge-warn">Interrupted by the caller</span>` : '';
  const text = item.text.trim() === '' ? html`<span class="muted">(nothing said)</span>` : item.text;
  return html`<li class="turn turn-${item.role}${item.interrupted ? ' turn-interrupted' : ''}">
  <p class="turn-meta"><span class="speaker">${speaker}</span> <span class="muted">at ${offset}</span>${interrupted}</p>
  <p class="turn-text">${text}${item.interrupted ? html`<span aria-hidden="true"> —</span>` : ''}</p>
  ${item.role === 'agent' ? latency(item.latency) : ''}
</li>`;
}

function transcript(view: CallWithConversation): Html {
  if (view.turns.length === 0) return html`<p class="muted">Nothing was said on this call.</p>`;
  const callStart = new Date(view.call.answeredAt ?? view.call.createdAt).getTime();
  return html`<ol class="transcript">
${view.turns.map((item) => turn(item, callStart))}
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

export function renderCallDetail(context: StaffSessionContext, view: CallWithConversation): string {
  const timeZone = knownTimeZone(context.business.timezone);
  const { call } = view;
  const title = `Call from ${callerText(call.from)}`;
  return renderPage(
    { title, page: 'call', ...staffChrome(context, 'calls') },
    html`<p class="back"><a href="/calls">← All calls</a></p>
<h1>${title}</h1>
${facts(call, timeZone)}
<section aria-labelledby="recording-title">
<h2 id="recording-title">Recording</h2>
${recording(call)}
</section>
<section aria-labelledby="transcript-title">
<h2 id="transcript-title">Transcript</h2>
${transcript(view)}
</section>
${view.messages.length > 0
  ? html`<section aria-labelledby="messages-title">
<h2 id="messages-title">Messages taken</h2>
<ul class="messages">${view.messages.map((item) => message(item, timeZone))}</ul>
</section>`
  : ''}`,
  );
}
