// A UDP peer that receives RTP on its own thread and notes when each datagram
// arrived: it keeps receiving (and timing) while the test's own thread is
// blocked, which a socket on that thread could not do (its datagrams would wait
// in the kernel and all be read at once afterwards).
import { Worker } from 'node:worker_threads';

export interface RtpArrival {
  readonly sequenceNumber: number;
  /** Epoch milliseconds (performance.timeOrigin + now()) of the arrival. */
  readonly atMs: number;
  /** The first payload byte (0xff is mu-law silence). */
  readonly firstPayloadByte: number;
}

// CommonJS: an eval worker runs it as a script.
const LISTENER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createSocket } = require('node:dgram');
const arrivals = [];
const socket = createSocket('udp4');
socket.on('message', (datagram) => {
  if (datagram.length < 13) return;
  arrivals.push({ sequenceNumber: datagram.readUInt16BE(2), atMs: performance.timeOrigin + performance.now(), firstPayloadByte: datagram[12] });
});
socket.bind(0, '127.0.0.1', () => parentPort.postMessage({ type: 'bound', port: socket.address().port }));
parentPort.on('message', (message) => {
  if (message === 'arrivals') parentPort.postMessage({ type: 'arrivals', arrivals });
  else if (message === 'close') socket.close(() => parentPort.close());
});
`;

export class ThreadedRtpListener {
  readonly port: number;
  readonly #worker: Worker;

  static async open(): Promise<ThreadedRtpListener> {
    const worker = new Worker(LISTENER_SOURCE, { eval: true });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { port: number }) => resolve(message.port));
    });
    return new ThreadedRtpListener(worker, port);
  }

  private constructor(worker: Worker, port: number) {
    this.#worker = worker;
    this.port = port;
  }

  /** Every datagram received so far, in arrival order. */
  arrivals(): Promise<RtpArrival[]> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string; arrivals?: RtpArrival[] }): void => {
        if (message.type !== 'arrivals') return;
        this.#worker.off('message', onMessage);
        resolve(message.arrivals!);
      };
      this.#worker.on('message', onMessage);
      this.#worker.postMessage('arrivals');
    });
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage('close');
    await exited;
  }
}
