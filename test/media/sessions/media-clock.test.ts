// MediaClock on fake timers: its clock (`now`) is the fake Date, so the test
// moves time and timers together and can stall the loop from inside a tick.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaClock, type MediaClockOptions, type Tickable } from '../../../media/sessions/media-clock.js';

class Member implements Tickable {
  readonly ticks: { frame: number; deadlineMs: number }[] = [];
  onTick: (() => void) | null = null;
  tick(frame: number, deadlineMs: number): void {
    this.ticks.push({ frame, deadlineMs });
    this.onTick?.();
  }
}

const START = Date.parse('2026-03-03T10:00:00.000Z');
let clock: MediaClock | null = null;

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  clock?.stop();
  clock = null;
  vi.useRealTimers();
});

function mediaClock(options: Partial<MediaClockOptions> = {}) {
  const lines: string[] = [];
  clock = new MediaClock({
    frameMs: 20,
    phases: 1,
    maxLagMs: 100,
    now: () => Date.now(),
    logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
    ...options,
  });
  return { clock, messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

describe('MediaClock', () => {
  it('ticks a member once per frame on an absolute schedule, from the moment it joins', () => {
    const { clock } = mediaClock();
    const member = new Member();
    clock.add(member);
    vi.advanceTimersByTime(100);
    expect(member.ticks).toEqual([0, 1, 2, 3, 4, 5].map((frame) => ({ frame, deadlineMs: START + frame * 20 })));
  });

  it('spreads members over the phases of a frame, the least loaded phase first', () => {
    const { clock } = mediaClock({ phases: 4 });
    const members = [new Member(), new Member(), new Member(), new Member(), new Member()];
    for (const member of members) clock.add(member);
    vi.advanceTimersByTime(20);
    // Offsets inside the 20 ms frame; the fifth shares the first one's phase.
    const offsets = members.map((member) => (member.ticks[0]!.deadlineMs - START) % 20);
    expect(offsets).toEqual([0, 5, 10, 15, 0]);
    expect(members.map((member) => member.ticks[0]!.frame)).toEqual([0, 0, 0, 0, 1]);
    expect(clock.size).toBe(5);
  });

  it('skips the slots of an event loop stalled between two timers instead of running them late', () => {
    const { clock, messages } = mediaClock({ maxLagMs: 50 });
    const member = new Member();
    clock.add(member);
    vi.setSystemTime(Date.now() + 300); // something else blocked the loop for 300 ms
    vi.advanceTimersByTime(20);
    expect(clock.lateSlots).toBeGreaterThan(0);
    expect(messages()).toContain('media clock stalled; skipping late ticks');
    const frames = member.ticks.map((tick) => tick.frame);
    expect(frames.length).toBeLessThan(5);
    expect(frames[1]! - frames[0]!).toBe(1 + clock.lateSlots);
  });

  it('skips the slots of a stall inside a tick (a long tick, a GC pause) the same way', () => {
    const { clock, messages } = mediaClock({ maxLagMs: 50 });
    const member = new Member();
    member.onTick = () => {
      if (member.ticks.length === 2) vi.setSystemTime(Date.now() + 200); // this tick blocks for 200 ms
    };
    clock.add(member);
    vi.advanceTimersByTime(20);
    vi.advanceTimersByTime(20);
    expect(clock.lateSlots).toBeGreaterThan(0);
    expect(messages()).toContain('media clock stalled; skipping late ticks');
    const frames = member.ticks.map((tick) => tick.frame);
    expect(frames.slice(0, 2)).toEqual([0, 1]);
    expect(frames[2]! - frames[1]!).toBe(1 + clock.lateSlots);
  });

  it('keeps ticking the others when one member throws', () => {
    const { clock, messages } = mediaClock();
    const other = new Member();
    const failing = new Member();
    failing.onTick = () => {
      throw new Error('boom');
    };
    clock.add(other);
    clock.add(failing);
    vi.advanceTimersByTime(40);
    expect(other.ticks.map((tick) => tick.frame)).toEqual([0, 1, 2]);
    expect(failing.ticks.map((tick) => tick.frame)).toEqual([1, 2]);
    expect(messages().filter((message) => message === 'media tick failed')).toHaveLength(2);
  });

  it('stops when its last member leaves, and a member added twice ticks once', () => {
    const { clock } = mediaClock();
    const member = new Member();
    const remove = clock.add(member);
    clock.add(member);
    vi.advanceTimersByTime(20);
    expect(member.ticks).toHaveLength(2);
    remove();
    remove();
    expect(clock.size).toBe(0);
    vi.advanceTimersByTime(100);
    expect(member.ticks).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  describe('with a precise wait (the media thread)', () => {
    /** A simulated blocking wait: moves the fake clock to the deadline and keeps what it was asked to block. */
    function preciseClock(phases: number, preciseWaitMs?: number) {
      const waitsMs: number[] = [];
      const waitUntil = (deadlineMs: number): void => {
        waitsMs.push(deadlineMs - Date.now());
        if (deadlineMs > Date.now()) vi.setSystemTime(deadlineMs);
      };
      // Slices of whole milliseconds: the fake Date has no finer resolution.
      return { ...mediaClock({ phases, waitUntil, preciseWaitMs, waitSliceMs: 1 }), waitsMs };
    }

    it('starts every slot exactly at its deadline and ticks every member once per frame, in its own phase', () => {
      const { clock, waitsMs } = preciseClock(4);
      const members = Array.from({ length: 6 }, () => new Member());
      const tickedAt = new Map<Member, number[]>();
      for (const member of members) {
        member.onTick = () => tickedAt.set(member, [...(tickedAt.get(member) ?? []), Date.now()]);
        clock.add(member);
      }
      vi.advanceTimersByTime(200);
      for (const [index, member] of members.entries()) {
        const phaseOffsetMs = (index % 4) * 5;
        const frames = member.ticks.map((tick) => tick.frame);
        // Consecutive frames from the one after it joined: none skipped, none twice.
        expect(frames).toEqual(Array.from({ length: frames.length }, (_, i) => frames[0]! + i));
        expect(frames[0]).toBeLessThanOrEqual(1);
        expect(frames.length).toBeGreaterThanOrEqual(9);
        expect(member.ticks.map((tick) => tick.deadlineMs)).toEqual(frames.map((frame) => START + frame * 20 + phaseOffsetMs));
        // Run at the deadline, not a timer's millisecond before or after it.
        expect(tickedAt.get(member)).toEqual(member.ticks.map((tick) => tick.deadlineMs));
      }
      // The thread blocked for the last stretch only, a slice at a time (the loop reads datagrams between slices).
      expect(waitsMs.length).toBeGreaterThan(0);
      expect(Math.max(...waitsMs)).toBeLessThanOrEqual(1);
      expect(Math.min(...waitsMs)).toBeGreaterThanOrEqual(0);
    });

    it('arms a timer for a slot farther away than the precise wait, and blocks only for its last stretch', () => {
      const { clock, waitsMs } = preciseClock(1, 3);
      const member = new Member();
      clock.add(member);
      expect(member.ticks).toHaveLength(1);
      vi.advanceTimersByTime(60);
      expect(member.ticks.map((tick) => tick.frame)).toEqual([0, 1, 2, 3]);
      expect(waitsMs.every((ms) => ms <= 1)).toBe(true);
      clock.remove(member);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
