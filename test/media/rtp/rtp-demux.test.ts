import { describe, expect, it } from 'vitest';
import { RtpDemux, type RtpReceiver } from '../../../media/rtp/rtp-demux.js';

class Recorder implements RtpReceiver {
  readonly received: { datagram: Buffer; arrivalMs: number }[] = [];
  receiveDatagram(datagram: Buffer, arrivalMs: number): void {
    this.received.push({ datagram, arrivalMs });
  }
}

describe('RtpDemux', () => {
  it('routes a datagram to the receiver that claimed its source, IPv4-mapped or not', () => {
    const demux = new RtpDemux();
    const a = new Recorder();
    const b = new Recorder();
    expect(demux.claim('10.0.0.5', 40_000, a)).toBe(true);
    expect(demux.claim('10.0.0.5', 40_002, b)).toBe(true);
    demux.route(Buffer.from([1]), '10.0.0.5', 40_000, 1);
    demux.route(Buffer.from([2]), '::ffff:10.0.0.5', 40_002, 2);
    expect(a.received.map((entry) => [...entry.datagram])).toEqual([[1]]);
    expect(b.received).toEqual([{ datagram: Buffer.from([2]), arrivalMs: 2 }]);
    expect(demux.ownerOf('10.0.0.5', 40_002)).toBe(b);
    expect(demux.stats()).toEqual({ foreignSource: 0 });
  });

  it('counts and drops datagrams from sources nobody claimed', () => {
    const demux = new RtpDemux();
    const a = new Recorder();
    demux.claim('10.0.0.5', 40_000, a);
    demux.route(Buffer.from([1]), '10.0.0.5', 40_001, 1);
    demux.route(Buffer.from([1]), '10.0.0.6', 40_000, 1);
    expect(a.received).toEqual([]);
    expect(demux.stats()).toEqual({ foreignSource: 2 });
  });

  it('never lets a second receiver take a claimed source, and releases only for its owner', () => {
    const demux = new RtpDemux();
    const a = new Recorder();
    const b = new Recorder();
    demux.claim('10.0.0.5', 40_000, a);
    expect(demux.claim('10.0.0.5', 40_000, b)).toBe(false);
    expect(demux.claim('10.0.0.5', 40_000, a)).toBe(true);
    demux.release('10.0.0.5', 40_000, b);
    expect(demux.ownerOf('10.0.0.5', 40_000)).toBe(a);
    demux.release('10.0.0.5', 40_000, a);
    expect(demux.ownerOf('10.0.0.5', 40_000)).toBeUndefined();
    expect(demux.claim('10.0.0.5', 40_000, b)).toBe(true);
  });
});
