// One 20 ms ticker for every RTP sender of the fake: a tick sends each sender's packets that
// are due. Each sender keeps an absolute schedule (start + n * 20 ms), so late ticks do not
// accumulate drift; after a long stall a sender catches up at most MAX_CATCH_UP_PACKETS and
// then skips ahead, as a real media path drops what it could not send in time.

export const PACKET_INTERVAL_MS = 20;
const MAX_CATCH_UP_PACKETS = 5;
/** A packet due within this margin is sent on the current tick rather than 20 ms late. */
const DUE_SLACK_MS = 1;

export interface PacedSender {
  /** performance.now() time at which the next packet is due. */
  nextDueMs: number;
  /** Sends one packet; false when the sender has nothing more to send. */
  sendPacket(): boolean;
}

export class RtpClock {
  private readonly senders = new Set<PacedSender>();
  private timer: NodeJS.Timeout | null = null;
  private anchorMs = 0;

  /** `afterTick` runs once per tick in which packets were sent (observation only). */
  constructor(private readonly afterTick: () => void) {}

  /** The first packet goes out on the next tick. */
  add(sender: PacedSender): void {
    sender.nextDueMs = performance.now();
    this.senders.add(sender);
    if (!this.timer) {
      this.anchorMs = performance.now();
      this.timer = setTimeout(this.tick, 0);
    }
  }

  remove(sender: PacedSender): void {
    this.senders.delete(sender);
    if (this.senders.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.senders.clear();
  }

  private readonly tick = (): void => {
    this.timer = null;
    const nowMs = performance.now();
    let sentAny = false;
    for (const sender of this.senders) {
      let sent = 0;
      while (sender.nextDueMs <= nowMs + DUE_SLACK_MS && sent < MAX_CATCH_UP_PACKETS) {
        if (!sender.sendPacket()) {
          this.senders.delete(sender);
          break;
        }
        sender.nextDueMs += PACKET_INTERVAL_MS;
        sent += 1;
      }
      if (sender.nextDueMs <= nowMs - PACKET_INTERVAL_MS) {
        const behindMs = nowMs - sender.nextDueMs;
        sender.nextDueMs += Math.ceil(behindMs / PACKET_INTERVAL_MS) * PACKET_INTERVAL_MS;
      }
      sentAny ||= sent > 0;
    }
    if (this.senders.size > 0) {
      const ticksElapsed = Math.floor((performance.now() - this.anchorMs) / PACKET_INTERVAL_MS) + 1;
      const nextTickMs = this.anchorMs + ticksElapsed * PACKET_INTERVAL_MS;
      this.timer = setTimeout(this.tick, Math.max(0, nextTickMs - performance.now()));
    }
    if (sentAny) this.afterTick();
  };
}
