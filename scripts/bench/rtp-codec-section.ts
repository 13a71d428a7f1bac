// Section "rtp-codec": per-packet cost of RTP parse and serialize, werift-rtp
// (RtpPacket.deSerialize / serialize) against the gateway's own
// (parseRtpPacket / writeRtpHeader). It documents why the hot path does not use
// werift: at 1000 calls the gateway handles 50,000 packets/s each way.
import { RtpHeader, RtpPacket } from 'werift-rtp';
import { parseRtpPacket, isRtpParseError } from '../../media/rtp/rtp-packet.js';
import { writeRtpHeader } from '../../media/rtp/rtp-writer.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';

const PAYLOAD_BYTES = 160;
const DISTINCT_PACKETS = 64;
const PACKETS_PER_SECOND_AT_1000_CALLS = 1000 * 50;

/** Median ns per call of `operation(i)` over `rounds` rounds of `iterations`, after a warm-up. */
function nsPerOperation(operation: (i: number) => number, iterations: number, rounds: number): number {
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += operation(i);
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += operation(i);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  // The sink keeps the work observable so the JIT cannot drop it.
  if (sink === Number.MIN_VALUE) process.stdout.write('');
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function samplePackets(): Buffer[] {
  return Array.from({ length: DISTINCT_PACKETS }, (_, i) => {
    const packet = Buffer.alloc(12 + PAYLOAD_BYTES, i);
    writeRtpHeader(packet, { marker: false, payloadType: 0, sequenceNumber: 1000 + i, timestamp: 160 * i, ssrc: 0x1234_5678 });
    return packet;
  });
}

export const rtpCodecSection: BenchSection = {
  name: 'rtp-codec',
  title: 'RTP parse/serialize per packet: werift-rtp vs the gateway\'s own',
  run: (context: BenchContext): Promise<SectionFields> => {
    const iterations = context.options.quick ? 100_000 : 500_000;
    const rounds = context.options.quick ? 3 : 7;
    const packets = samplePackets();
    const packetAt = (i: number): Buffer => packets[i % DISTINCT_PACKETS]!;

    const weriftParse = nsPerOperation((i) => RtpPacket.deSerialize(packetAt(i)).header.sequenceNumber, iterations, rounds);
    const ownParse = nsPerOperation((i) => {
      const parsed = parseRtpPacket(packetAt(i));
      return isRtpParseError(parsed) ? 0 : parsed.sequenceNumber;
    }, iterations, rounds);

    // werift allocates a new buffer per packet and copies the payload into it.
    const weriftPacket = new RtpPacket(new RtpHeader({ payloadType: 0, ssrc: 0x1234_5678 }), Buffer.alloc(PAYLOAD_BYTES, 1));
    const weriftSerialize = nsPerOperation((i) => {
      weriftPacket.header.sequenceNumber = i & 0xffff;
      weriftPacket.header.timestamp = (i * 160) >>> 0;
      return weriftPacket.serialize().length;
    }, iterations, rounds);
    // The gateway writes the header into a preallocated buffer; the codec encodes the payload in place after it.
    const outbound = Buffer.alloc(12 + PAYLOAD_BYTES);
    const ownSerialize = nsPerOperation((i) => {
      writeRtpHeader(outbound, { marker: false, payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 0x1234_5678 });
      return outbound[3]!;
    }, iterations, rounds);

    const weriftCorePct = ((weriftParse + weriftSerialize) * PACKETS_PER_SECOND_AT_1000_CALLS) / 1e7;
    const ownCorePct = ((ownParse + ownSerialize) * PACKETS_PER_SECOND_AT_1000_CALLS) / 1e7;
    const line = (what: string, werift: number, own: number): string =>
      `  ${what.padEnd(10)} werift ${werift.toFixed(0).padStart(6)} ns   own ${own.toFixed(1).padStart(6)} ns   werift/own ${(werift / own).toFixed(1)}x`;
    context.print(
      [
        line('parse', weriftParse, ownParse),
        line('serialize', weriftSerialize, ownSerialize),
        `  at 1000 calls (50,000 packets/s each way): werift ${weriftCorePct.toFixed(1)} % of a core, own ${ownCorePct.toFixed(2)} %`,
      ].join('\n'),
    );
    const round = (value: number, digits: number): number => Number(value.toFixed(digits));
    return Promise.resolve({
      rtp_parse_ns_werift: round(weriftParse, 1),
      rtp_parse_ns_own: round(ownParse, 1),
      rtp_parse_werift_over_own: round(weriftParse / ownParse, 1),
      rtp_serialize_ns_werift: round(weriftSerialize, 1),
      rtp_serialize_ns_own: round(ownSerialize, 1),
      rtp_serialize_werift_over_own: round(weriftSerialize / ownSerialize, 1),
      rtp_werift_core_pct_at_1000_calls: round(weriftCorePct, 1),
      rtp_own_core_pct_at_1000_calls: round(ownCorePct, 2),
    });
  },
};
