// Entry point of the media thread (a worker_threads Worker started by
// media-thread.ts): builds the host from workerData and wires it to the port.
import { parentPort, workerData } from 'node:worker_threads';
import { MediaThreadHost } from './media-thread-host.js';
import type { MediaThreadData, ToMainMessage, ToMediaMessage } from './media-thread-protocol.js';
import { MEDIA_THREAD_NAME, nameCurrentThread } from './os-thread.js';
import { threadLogger } from './thread-logger.js';

const port = parentPort;
if (port === null) throw new Error('media-thread-entry runs as a worker thread only');
// First, so the thread carries its name for tools (os-thread.ts) before the gateway reports ready.
const threadId = nameCurrentThread(MEDIA_THREAD_NAME);
const data = workerData as MediaThreadData;
const post = (message: ToMainMessage): void => port.postMessage(message);
const host = new MediaThreadHost(data, post, threadLogger(data.logLevel, (line) => post({ type: 'log', line })));
port.on('message', (message: ToMediaMessage) => host.handle(message));
await host.start(threadId);
