// One Realtime WebSocket connection of the fake: the session configuration,
// the input audio buffer with the server VAD, the conversation's items, and
// responses streamed as the API streams them (response.created, output item
// and content part, transcript and audio deltas, their .done events,
// function calls, response.done). Every client event is validated first
// (client-events.ts); a refused one gets an `error` event and changes nothing.
import { encodeSamples } from '../deepgram/audio-codec.js';
import { nowMs, type TimerSet } from '../deepgram/clock.js';
import { speechDurationMs, synthesizeSpeech } from '../deepgram/synthetic-voice.js';
import { parseClientEvent, type ClientEvent, type RealtimeErrorBody, type SessionConfig } from './client-events.js';
import { FORMAT_ENCODING, InputAudio, type InputFormat, type VadSettings } from './input-audio.js';
import type { ConnectionRecord, RealtimeKnobs, ResponseView, RealtimeReply, RealtimeResponder, ResponseFailure, ResponseRecord } from './public-types.js';
import { assistantItem, defaultSession, errorEvent, EventIds, functionCallItem, responseBody, userAudioItem, type ServerEvent } from './server-events.js';
import { invalid, itemBody, redactAudio, responseView, type Item } from './session-items.js';

export interface RealtimeSessionDeps {
  readonly record: ConnectionRecord;
  readonly knobs: RealtimeKnobs;
  readonly timers: TimerSet;
  readonly responder: () => RealtimeResponder;
  readonly takeFailure: () => ResponseFailure | null;
  readonly takeTranscript: () => string;
  readonly send: (event: ServerEvent) => void;
  readonly terminate: () => void;
  readonly changed: () => void;
}

interface ActiveResponse {
  readonly record: ResponseRecord;
  cancelled: boolean;
}

const MIN_COMMIT_MS = 100;

export class RealtimeSession {
  readonly #deps: RealtimeSessionDeps;
  readonly #ids: EventIds;
  readonly #input = new InputAudio();
  readonly #items: Item[] = [];
  #session: Record<string, unknown>;
  #active: ActiveResponse | null = null;
  #responses = 0;
  #toolOutputsSeen = 0;
  #speechItemId: string | null = null;

  constructor(deps: RealtimeSessionDeps, model: string) {
    this.#deps = deps;
    this.#ids = new EventIds(String(deps.record.seq).padStart(4, '0'));
    this.#session = defaultSession(this.#ids.next('sess'), model);
    this.#input.setFormat('audio/pcm', deps.knobs.vadThresholdRms);
    deps.record.session = this.#session;
    this.#send('session.created', { session: this.#session });
  }

  onMessage(text: string): void {
    const parsed = parseClientEvent(text);
    const recorded = { atMs: nowMs(), type: parsed.ok ? parsed.event.type : 'invalid', event: redactAudio(text), error: null as RealtimeErrorBody | null };
    this.#deps.record.clientEvents.push(recorded);
    if (!parsed.ok) {
      recorded.error = parsed.error;
      this.#error(parsed.error);
      return;
    }
    const refusal = this.#handle(parsed.event);
    if (refusal) {
      recorded.error = { ...refusal, event_id: parsed.event.event_id ?? null };
      this.#error(recorded.error);
    }
    this.#deps.changed();
  }

  /** Stops every response in flight (the connection closed). */
  close(): void {
    if (this.#active) this.#active.cancelled = true;
  }

  // ---- client events ----------------------------------------------------------

  #handle(event: ClientEvent): Omit<RealtimeErrorBody, 'event_id'> | null {
    switch (event.type) {
      case 'session.update':
        return this.#update(event.session);
      case 'input_audio_buffer.append':
        return this.#append(Buffer.from(event.audio, 'base64'));
      case 'input_audio_buffer.clear':
        this.#input.reset();
        this.#send('input_audio_buffer.cleared', {});
        return null;
      case 'input_audio_buffer.commit':
        if (this.#input.bufferedMs < MIN_COMMIT_MS) {
          return invalid('input_audio_buffer_commit_empty', `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${this.#input.bufferedMs.toFixed(2)}ms of audio.`, null);
        }
        this.#commit(this.#speechItemId ?? this.#ids.next('item'));
        return null;
      case 'output_audio_buffer.clear':
        return invalid('invalid_value', 'output_audio_buffer.clear is only supported for WebRTC and SIP connections.', 'type');
      case 'conversation.item.create':
        return this.#createItem(event);
      case 'conversation.item.retrieve': {
        const item = this.#items.find((candidate) => candidate.id === event.item_id);
        if (!item) return invalid('item_retrieve_invalid_item_id', `Item with item_id not found: ${event.item_id}`, 'item_id');
        this.#send('conversation.item.retrieved', { item: itemBody(item) });
        return null;
      }
      case 'conversation.item.delete': {
        const index = this.#items.findIndex((candidate) => candidate.id === event.item_id);
        if (index < 0) return invalid('item_delete_invalid_item_id', `Item with item_id not found: ${event.item_id}`, 'item_id');
        this.#items.splice(index, 1);
        this.#send('conversation.item.deleted', { item_id: event.item_id });
        return null;
      }
      case 'conversation.item.truncate':
        return this.#truncate(event.item_id, event.content_index, event.audio_end_ms);
      case 'response.create':
        if (this.#active) {
          return invalid('conversation_already_has_active_response', `Conversation already has an active response in progress: ${this.#active.record.id}. Wait until the response is finished before creating a new one.`, null);
        }
        void this.#respond();
        return null;
      case 'response.cancel':
        if (!this.#active || (event.response_id !== undefined && event.response_id !== this.#active.record.id)) {
          return invalid('response_cancel_not_active', 'Cancellation failed: no active response found', null);
        }
        this.#cancel('client_cancelled');
        return null;
    }
  }

  #update(config: SessionConfig): Omit<RealtimeErrorBody, 'event_id'> | null {
    const audio = (this.#session.audio ?? {}) as { input: Record<string, unknown>; output: Record<string, unknown> };
    const voice = config.audio?.output?.voice;
    if (voice !== undefined && voice !== audio.output.voice && this.#items.some((item) => item.kind === 'assistant' && item.audioMs > 0)) {
      return invalid('cannot_update_voice', "Cannot update a conversation's voice if assistant audio is present.", 'session.audio.output.voice');
    }
    const { audio: audioChange, ...rest } = config;
    this.#session = {
      ...this.#session,
      ...rest,
      audio: { input: { ...audio.input, ...audioChange?.input }, output: { ...audio.output, ...audioChange?.output } },
    };
    const inputFormat = (this.#session.audio as { input: { format: { type: InputFormat } } }).input.format.type;
    if (audioChange?.input?.format) this.#input.setFormat(inputFormat, this.#deps.knobs.vadThresholdRms);
    this.#deps.record.session = this.#session;
    this.#send('session.updated', { session: this.#session });
    return null;
  }

  #turnDetection(): { createResponse: boolean; interruptResponse: boolean; vad: VadSettings } | null {
    const detection = (this.#session.audio as { input: { turn_detection: Record<string, unknown> | null } }).input.turn_detection;
    if (!detection) return null;
    const semantic = detection.type === 'semantic_vad';
    return {
      createResponse: detection.create_response !== false,
      interruptResponse: detection.interrupt_response !== false,
      vad: {
        thresholdRms: this.#deps.knobs.vadThresholdRms,
        onsetMs: this.#deps.knobs.vadOnsetMs,
        prefixPaddingMs: semantic ? 300 : ((detection.prefix_padding_ms as number | undefined) ?? 300),
        silenceDurationMs: semantic ? 500 : ((detection.silence_duration_ms as number | undefined) ?? 200),
      },
    };
  }

  #append(bytes: Buffer): Omit<RealtimeErrorBody, 'event_id'> | null {
    const samples = this.#input.decode(bytes);
    const detection = this.#turnDetection();
    this.#deps.record.inputAudioMs += this.#input.msOf(samples.length);
    for (const verdict of this.#input.append(samples, detection?.vad ?? null)) {
      if (verdict.type === 'speech_started') {
        this.#speechItemId = this.#ids.next('item');
        this.#send('input_audio_buffer.speech_started', { audio_start_ms: verdict.audioStartMs, item_id: this.#speechItemId });
        if (detection?.interruptResponse && this.#active) this.#cancel('turn_detected');
      } else {
        const itemId = this.#speechItemId ?? this.#ids.next('item');
        this.#send('input_audio_buffer.speech_stopped', { audio_end_ms: verdict.audioEndMs, item_id: itemId });
        this.#commit(itemId);
        if (detection?.createResponse && !this.#active) void this.#respond();
      }
    }
    return null;
  }

  #commit(itemId: string): void {
    const previous = this.#items.at(-1)?.id ?? null;
    const audioMs = this.#input.bufferedMs;
    this.#input.reset();
    this.#speechItemId = null;
    const transcript = this.#deps.takeTranscript();
    this.#items.push({ id: itemId, kind: 'user', text: transcript, audioMs });
    this.#send('input_audio_buffer.committed', { previous_item_id: previous, item_id: itemId });
    this.#send('conversation.item.added', { previous_item_id: previous, item: userAudioItem(itemId, null) });
    this.#send('conversation.item.done', { previous_item_id: previous, item: userAudioItem(itemId, null) });
    const transcription = (this.#session.audio as { input: { transcription: unknown } }).input.transcription;
    if (transcription) {
      this.#deps.timers.after(this.#deps.knobs.transcriptionDelayMs, () => {
        this.#send('conversation.item.input_audio_transcription.completed', {
          item_id: itemId,
          content_index: 0,
          transcript,
          usage: { type: 'duration', seconds: Math.ceil(audioMs / 1000) },
        });
        this.#deps.changed();
      });
    }
  }

  #createItem(event: Extract<ClientEvent, { type: 'conversation.item.create' }>): Omit<RealtimeErrorBody, 'event_id'> | null {
    const { item } = event;
    if (event.previous_item_id && event.previous_item_id !== 'root' && !this.#items.some((candidate) => candidate.id === event.previous_item_id)) {
      return invalid('invalid_value', `Previous item with id '${event.previous_item_id}' not found.`, 'previous_item_id');
    }
    const id = item.id ?? this.#ids.next('item');
    if (this.#items.some((candidate) => candidate.id === id)) return invalid('item_id_already_exists', `Item with id '${id}' already exists.`, 'item.id');
    let stored: Item;
    if (item.type === 'function_call_output') {
      if (!this.#items.some((candidate) => candidate.kind === 'function_call' && candidate.callId === item.call_id)) {
        return invalid('invalid_value', `Tool call ID '${item.call_id}' not found in conversation.`, 'item.call_id');
      }
      stored = { id, kind: 'function_call_output', callId: item.call_id, output: item.output };
    } else if (item.type === 'function_call') {
      stored = { id, kind: 'function_call', callId: item.call_id ?? this.#ids.next('call'), name: item.name, arguments: item.arguments };
    } else {
      const text = item.content.map((part) => ('text' in part ? part.text : 'transcript' in part ? (part.transcript ?? '') : '')).join(' ');
      stored = item.role === 'user' ? { id, kind: 'user', text, audioMs: 0 } : item.role === 'system' ? { id, kind: 'system', text } : { id, kind: 'assistant', text, audioMs: 0, truncatedAtMs: null, responseId: null };
    }
    const previous = this.#items.at(-1)?.id ?? null;
    this.#items.push(stored);
    this.#send('conversation.item.added', { previous_item_id: previous, item: itemBody(stored) });
    this.#send('conversation.item.done', { previous_item_id: previous, item: itemBody(stored) });
    return null;
  }

  #truncate(itemId: string, contentIndex: number, audioEndMs: number): Omit<RealtimeErrorBody, 'event_id'> | null {
    const item = this.#items.find((candidate) => candidate.id === itemId);
    if (!item) return invalid('item_truncate_invalid_item_id', `Item with item_id not found: ${itemId}`, 'item_id');
    if (item.kind !== 'assistant' || contentIndex !== 0) return invalid('invalid_value', 'Only assistant messages with audio content can be truncated.', 'content_index');
    if (audioEndMs > item.audioMs) return invalid('invalid_value', `Audio content of ${Math.round(item.audioMs)}ms is already shorter than ${audioEndMs}ms`, 'audio_end_ms');
    item.truncatedAtMs = audioEndMs;
    // The API drops the transcript of a truncated item: the model must not read what was never heard.
    item.text = '';
    this.#deps.record.truncations.push({ itemId, audioEndMs, itemAudioMs: item.audioMs });
    this.#send('conversation.item.truncated', { item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs });
    return null;
  }

  // ---- responses --------------------------------------------------------------

  async #respond(): Promise<void> {
    const id = this.#ids.next('resp');
    const record: ResponseRecord = { id, status: 'in_progress', itemId: null, text: '', toolCalls: [], audioMsSent: 0, createdAtMs: nowMs(), firstAudioAtMs: null, doneAtMs: null };
    const active: ActiveResponse = { record, cancelled: false };
    this.#active = active;
    this.#deps.record.responses.push(record);
    this.#responses += 1;
    this.#send('response.created', { response: this.#responseBody(record, []) });
    const failure = this.#deps.takeFailure();
    const reply: RealtimeReply = failure && 'error' in failure ? {} : await this.#deps.responder()(this.#view());
    await this.#delay(this.#deps.knobs.firstAudioDelayMs);
    if (active.cancelled) return;
    if (failure && 'error' in failure) {
      const type = failure.error.type ?? 'server_error';
      this.#error({ type, code: failure.error.code ?? null, message: failure.error.message, param: null, event_id: null });
      this.#finish(active, 'failed', { type: 'failed', error: { type, code: failure.error.code ?? null } }, []);
      return;
    }
    const output: Record<string, unknown>[] = [];
    if (reply.text) {
      const spoken = await this.#speak(active, reply.text, output.length, failure);
      if (!spoken) return;
      output.push(spoken);
    }
    for (const call of reply.toolCalls ?? []) {
      if (active.cancelled) return;
      output.push(this.#functionCall(record, call.name, JSON.stringify(call.arguments), call.callId ?? this.#ids.next('call'), output.length));
    }
    if (!active.cancelled) this.#finish(active, 'completed', null, output);
  }

  /** The assistant message: transcript and audio deltas, then the .done events; null when cut off. */
  async #speak(active: ActiveResponse, text: string, outputIndex: number, failure: ResponseFailure | null): Promise<Record<string, unknown> | null> {
    const { record } = active;
    const itemId = this.#ids.next('item');
    record.itemId = itemId;
    const item: Item & { kind: 'assistant' } = { id: itemId, kind: 'assistant', text: '', audioMs: 0, truncatedAtMs: null, responseId: record.id };
    const previous = this.#items.at(-1)?.id ?? null;
    this.#items.push(item);
    const base = { response_id: record.id, item_id: itemId, output_index: outputIndex, content_index: 0 };
    this.#send('response.output_item.added', { response_id: record.id, output_index: outputIndex, item: assistantItem({ id: itemId, transcript: '', status: 'in_progress' }) });
    this.#send('conversation.item.added', { previous_item_id: previous, item: assistantItem({ id: itemId, transcript: '', status: 'in_progress' }) });
    this.#send('response.content_part.added', { ...base, part: { type: 'audio', transcript: '' } });
    const outputFormat = (this.#session.audio as { output: { format: { type: InputFormat } } }).output.format.type;
    const { encoding, rate } = FORMAT_ENCODING[outputFormat];
    const durationMs = speechDurationMs(text, { msPerCharacter: this.#deps.knobs.msPerCharacter });
    const samples = synthesizeSpeech(durationMs, rate);
    const words = text.split(/(?<=\s)/);
    const chunkSamples = Math.max(1, Math.round((this.#deps.knobs.chunkMs * rate) / 1000));
    const chunks = Math.ceil(samples.length / chunkSamples);
    let wordsSent = 0;
    for (let chunk = 0; chunk < chunks; chunk += 1) {
      if (active.cancelled) return null;
      if (failure && 'dropAfterAudioDeltas' in failure && chunk >= failure.dropAfterAudioDeltas) {
        active.cancelled = true;
        this.#deps.terminate();
        return null;
      }
      // The transcript runs a little ahead of the audio, as the API's does.
      const wordsDue = Math.min(words.length, Math.ceil(((chunk + 1) / chunks) * words.length));
      if (wordsDue > wordsSent) {
        const delta = words.slice(wordsSent, wordsDue).join('');
        wordsSent = wordsDue;
        item.text += delta;
        this.#send('response.output_audio_transcript.delta', { ...base, delta });
      }
      const piece = samples.subarray(chunk * chunkSamples, (chunk + 1) * chunkSamples);
      record.firstAudioAtMs ??= nowMs();
      const pieceMs = (piece.length * 1000) / rate;
      item.audioMs += pieceMs;
      record.audioMsSent += pieceMs;
      this.#send('response.output_audio.delta', { ...base, delta: encodeSamples(encoding, piece).toString('base64') });
      this.#deps.changed();
      await this.#delay(this.#deps.knobs.chunkMs * this.#deps.knobs.realTimeFactor);
    }
    if (active.cancelled) return null;
    record.text = text;
    item.text = text;
    this.#send('response.output_audio.done', base);
    this.#send('response.output_audio_transcript.done', { ...base, transcript: text });
    this.#send('response.content_part.done', { ...base, part: { type: 'audio', transcript: text } });
    const done = assistantItem({ id: itemId, transcript: text, status: 'completed' });
    this.#send('response.output_item.done', { response_id: record.id, output_index: outputIndex, item: done });
    this.#send('conversation.item.done', { previous_item_id: previous, item: done });
    return done;
  }

  #functionCall(record: ResponseRecord, name: string, args: string, callId: string, outputIndex: number): Record<string, unknown> {
    const itemId = this.#ids.next('item');
    const previous = this.#items.at(-1)?.id ?? null;
    this.#items.push({ id: itemId, kind: 'function_call', callId, name, arguments: args });
    record.toolCalls.push({ callId, name, arguments: args });
    const base = { response_id: record.id, item_id: itemId, output_index: outputIndex, call_id: callId };
    this.#send('response.output_item.added', { response_id: record.id, output_index: outputIndex, item: functionCallItem(itemId, callId, name, '', 'in_progress') });
    this.#send('conversation.item.added', { previous_item_id: previous, item: functionCallItem(itemId, callId, name, '', 'in_progress') });
    const half = Math.ceil(args.length / 2);
    for (const delta of [args.slice(0, half), args.slice(half)]) if (delta) this.#send('response.function_call_arguments.delta', { ...base, delta });
    this.#send('response.function_call_arguments.done', { ...base, name, arguments: args });
    const done = functionCallItem(itemId, callId, name, args, 'completed');
    this.#send('response.output_item.done', { response_id: record.id, output_index: outputIndex, item: done });
    this.#send('conversation.item.done', { previous_item_id: previous, item: done });
    return done;
  }

  #cancel(reason: 'client_cancelled' | 'turn_detected'): void {
    const active = this.#active;
    if (!active) return;
    active.cancelled = true;
    const item = this.#items.find((candidate) => candidate.kind === 'assistant' && candidate.responseId === active.record.id);
    const output: Record<string, unknown>[] = [];
    if (item && item.kind === 'assistant') {
      const incomplete = assistantItem({ id: item.id, transcript: item.text, status: 'incomplete' });
      this.#send('response.output_item.done', { response_id: active.record.id, output_index: 0, item: incomplete });
      output.push(incomplete);
    }
    this.#finish(active, 'cancelled', { type: 'cancelled', reason }, output);
  }

  #finish(active: ActiveResponse, status: ResponseRecord['status'], details: Record<string, unknown> | null, output: Record<string, unknown>[]): void {
    active.record.status = status;
    active.record.doneAtMs = nowMs();
    if (this.#active === active) this.#active = null;
    this.#send('response.done', { response: { ...this.#responseBody(active.record, output), status_details: details } });
    this.#deps.changed();
  }

  #responseBody(record: ResponseRecord, output: Record<string, unknown>[]): Record<string, unknown> {
    const audio = this.#session.audio as { output: { format: Record<string, unknown>; voice: string } };
    return responseBody({ id: record.id, status: record.status, statusDetails: null, output, format: audio.output.format, voice: audio.output.voice, conversationId: 'conv_fake' });
  }

  #view(): ResponseView {
    const view = responseView(this.#items, this.#session, this.#responses, this.#toolOutputsSeen);
    this.#toolOutputsSeen += view.newToolOutputs.length;
    return view;
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.#deps.timers.after(ms, resolve));
  }

  #error(body: RealtimeErrorBody): void {
    this.#deps.record.errors.push(body);
    this.#deps.send(errorEvent(this.#ids.next('event'), body));
    this.#deps.changed();
  }

  #send(type: string, fields: Record<string, unknown>): void {
    this.#deps.record.serverEventTypes.push(type);
    this.#deps.send({ type, event_id: this.#ids.next('event'), ...fields });
  }
}
