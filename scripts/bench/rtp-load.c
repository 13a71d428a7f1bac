// RTP load generator for the capacity bench: plays N "Asterisk" streams.
//
// Node cannot both generate and time tens of thousands of packets per second
// from one core without becoming the bottleneck it is meant to measure, so
// the load side is C: nonblocking sockets, one epoll set polled without
// blocking, absolute CLOCK_MONOTONIC sleeps, recvmmsg, and kernel receive
// timestamps (SO_TIMESTAMPNS) so the generator's own scheduling delays do not
// pollute the arrival-interval measurement.
//
// Protocol on stdin/stdout (one JSON object per line on stdout):
//   start          -> {"event":"ports","ports":[p0,p1,...]}  (one UDP socket per stream, 127.0.0.1)
//   stdin "go HOST PORT" -> every socket connects to HOST:PORT, sending starts
//   warmup elapsed -> {"event":"window_start"}
//   window elapsed -> {"event":"window_end"}   (sending stops here)
//   drain elapsed  -> {"event":"result", ...}  then exit 0
//
// Each stream sends like Asterisk's externalMedia channel: RTP V=2, PT 0
// (G.711 mu-law), marker 0, 160-byte payloads every 20 ms with random initial
// sequence number, timestamp and SSRC. Packet k of stream i is due at
// start + k*20 ms + i*(20 ms / N): an absolute schedule (no drift) with the
// stream phases spread evenly over the frame.
//
// For every packet received back on stream i it records: counts, sequence
// gaps (loss, 16-bit wraparound), |arrival interval - 20 ms| between
// consecutive sequence numbers, and the delay variation against the stream's
// earliest packet on the 20 ms grid (collect_delay_variation), in 10 us histograms.
//
// Build: gcc -O2 -o rtp-load rtp-load.c
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_NS 20000000LL
#define PAYLOAD_BYTES 160
#define HEADER_BYTES 12
#define PACKET_BYTES (HEADER_BYTES + PAYLOAD_BYTES)
#define HIST_BUCKET_NS 10000LL /* 10 us */
#define HIST_BUCKETS 10000     /* 100 ms, then one overflow bucket */
#define RECV_BATCH 32
#define MAX_EVENTS 512
/*
 * The loop sleeps until the next point of this grid, sends what is due and
 * harvests every readable socket. Waking per packet (per send or per arrival)
 * costs a context switch each and made the generator the bottleneck. The grid
 * divides 20 ms, so a stream keeps the same offset every frame and its send
 * interval stays exactly 20 ms (only its phase moves, by less than the grid).
 */
#define WAKE_GRID_NS 200000LL
/* With nothing due, still harvest this often. */
#define MAX_SLEEP_NS 1000000LL

typedef struct {
  uint64_t counts[HIST_BUCKETS + 1];
  uint64_t total;
  int64_t max_ns;
} histogram;

/* The measurement window, on CLOCK_MONOTONIC; kernel timestamps are CLOCK_REALTIME. */
typedef struct {
  int64_t start_ns;
  int64_t end_ns;
  int64_t realtime_minus_monotonic_ns;
} window;

typedef struct {
  int fd;
  uint16_t port;
  /* send side */
  uint16_t seq;
  uint32_t timestamp;
  uint32_t ssrc;
  size_t payload_offset;
  /* receive side */
  int have_prev;
  uint16_t prev_seq;
  int64_t prev_arrival_ns;
  uint64_t received_total;
  uint64_t received_window;
  uint64_t lost_window;
  uint64_t out_of_order;
  /* delay variation: offsets (arrival - packet index * 20 ms) of window packets, us from the stream's first */
  int64_t packet_index; /* extended sequence number, counted from the first packet */
  int64_t first_offset_ns;
  int32_t *offsets_us;
  uint32_t offsets_count;
  uint32_t offsets_capacity;
} stream;

static histogram deviation_hist, lateness_hist, delay_variation_hist;

static void die(const char *what) {
  fprintf(stderr, "rtp-load: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void fail(const char *message) {
  fprintf(stderr, "rtp-load: %s\n", message);
  exit(2);
}

static int64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void hist_add(histogram *h, int64_t value_ns) {
  if (value_ns < 0) value_ns = 0;
  int64_t bucket = value_ns / HIST_BUCKET_NS;
  if (bucket > HIST_BUCKETS) bucket = HIST_BUCKETS;
  h->counts[bucket]++;
  h->total++;
  if (value_ns > h->max_ns) h->max_ns = value_ns;
}

/* Upper edge of the bucket holding quantile q, in ms (conservative). */
static double hist_quantile_ms(const histogram *h, double q) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)h->total);
  if (rank >= h->total) rank = h->total - 1;
  uint64_t seen = 0;
  for (int i = 0; i <= HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen > rank) {
      double upper_ms = (double)((i + 1) * HIST_BUCKET_NS) / 1e6;
      double max_ms = (double)h->max_ns / 1e6;
      return upper_ms < max_ms ? upper_ms : max_ms;
    }
  }
  return (double)h->max_ns / 1e6;
}

static void print_hist(const char *name, const histogram *h) {
  printf("\"%s\":{\"count\":%llu,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}", name,
         (unsigned long long)h->total, hist_quantile_ms(h, 0.50), hist_quantile_ms(h, 0.99),
         (double)h->max_ns / 1e6);
}

static int64_t arg_int(const char *name, const char *value, int64_t min, int64_t max) {
  char *end = NULL;
  long long parsed = strtoll(value, &end, 10);
  if (end == value || *end != '\0' || parsed < min || parsed > max) {
    fprintf(stderr, "rtp-load: %s must be an integer from %lld to %lld\n", name, (long long)min, (long long)max);
    exit(2);
  }
  return parsed;
}

static unsigned char *read_payload_file(const char *path, size_t *length) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) die(path);
  if (fseek(file, 0, SEEK_END) != 0) die(path);
  long size = ftell(file);
  if (size < PAYLOAD_BYTES) fail("payload file must hold at least one 160-byte frame");
  rewind(file);
  size_t frames = (size_t)size / PAYLOAD_BYTES;
  unsigned char *bytes = malloc(frames * PAYLOAD_BYTES);
  if (bytes == NULL) die("malloc");
  if (fread(bytes, 1, frames * PAYLOAD_BYTES, file) != frames * PAYLOAD_BYTES) die(path);
  fclose(file);
  *length = frames * PAYLOAD_BYTES;
  return bytes;
}

static void raise_fd_limit(int streams) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
  if ((rlim_t)streams + 16 > limit.rlim_cur) fail("too many streams for the open-file limit (ulimit -n)");
}

static void open_streams(stream *streams, int count, const char *bind_host) {
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = 0};
  if (inet_pton(AF_INET, bind_host, &local.sin_addr) != 1) fail("bind host must be an IPv4 address");
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) die("SO_TIMESTAMPNS");
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) die("bind");
    struct sockaddr_in bound;
    socklen_t bound_len = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) die("getsockname");
    streams[i].fd = fd;
    streams[i].port = ntohs(bound.sin_port);
  }
}

static void print_ports(const stream *streams, int count) {
  printf("{\"event\":\"ports\",\"ports\":[");
  for (int i = 0; i < count; i++) printf(i == 0 ? "%u" : ",%u", streams[i].port);
  printf("]}\n");
  fflush(stdout);
}

/* Blocks until "go HOST PORT"; returns the target. EOF before it means the orchestrator is gone. */
static struct sockaddr_in wait_for_go(void) {
  char line[256];
  char host[64];
  unsigned port = 0;
  for (;;) {
    if (fgets(line, sizeof line, stdin) == NULL) exit(0);
    if (sscanf(line, "go %63s %u", host, &port) == 2) break;
  }
  struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (port == 0 || port > 65535 || inet_pton(AF_INET, host, &target.sin_addr) != 1) fail("go needs an IPv4 host and a port");
  return target;
}

static void connect_and_drain(stream *streams, int count, const struct sockaddr_in *target) {
  unsigned char scratch[2048];
  for (int i = 0; i < count; i++) {
    if (connect(streams[i].fd, (const struct sockaddr *)target, sizeof *target) != 0) die("connect");
    /* Whatever arrived before "go" (e.g. playout that started with the session) is not measured. */
    while (recv(streams[i].fd, scratch, sizeof scratch, 0) > 0) {
    }
  }
}

static void init_send_state(stream *streams, int count, size_t payload_frames, int64_t measure_ms) {
  /* Room for one window of packets at 50/s, plus slack for bursts. */
  uint32_t capacity = (uint32_t)(measure_ms / (FRAME_NS / 1000000LL)) + 64;
  int32_t *offsets = malloc((size_t)count * capacity * sizeof *offsets);
  if (offsets == NULL) die("malloc");
  for (int i = 0; i < count; i++) {
    streams[i].offsets_us = offsets + (size_t)i * capacity;
    streams[i].offsets_capacity = capacity;
    streams[i].seq = (uint16_t)random();
    streams[i].timestamp = (uint32_t)random() ^ ((uint32_t)random() << 16);
    streams[i].ssrc = (uint32_t)random() ^ ((uint32_t)random() << 16);
    streams[i].payload_offset = ((size_t)random() % payload_frames) * PAYLOAD_BYTES;
  }
}

static int send_packet(stream *s, const unsigned char *payload, size_t payload_length) {
  unsigned char packet[PACKET_BYTES];
  packet[0] = 0x80; /* V=2, P=0, X=0, CC=0 */
  packet[1] = 0x00; /* M=0, PT=0 (PCMU) */
  packet[2] = (unsigned char)(s->seq >> 8);
  packet[3] = (unsigned char)s->seq;
  packet[4] = (unsigned char)(s->timestamp >> 24);
  packet[5] = (unsigned char)(s->timestamp >> 16);
  packet[6] = (unsigned char)(s->timestamp >> 8);
  packet[7] = (unsigned char)s->timestamp;
  packet[8] = (unsigned char)(s->ssrc >> 24);
  packet[9] = (unsigned char)(s->ssrc >> 16);
  packet[10] = (unsigned char)(s->ssrc >> 8);
  packet[11] = (unsigned char)s->ssrc;
  memcpy(packet + HEADER_BYTES, payload + s->payload_offset, PAYLOAD_BYTES);
  s->seq++;
  s->timestamp += PAYLOAD_BYTES; /* 8 kHz: 160 samples per 20 ms */
  s->payload_offset = (s->payload_offset + PAYLOAD_BYTES) % payload_length;
  return send(s->fd, packet, PACKET_BYTES, 0) == PACKET_BYTES;
}

static int64_t kernel_timestamp_ns(struct msghdr *header) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    }
  }
  return clock_ns(CLOCK_REALTIME); /* same clock as SO_TIMESTAMPNS */
}

static void account_packet(stream *s, const unsigned char *packet, ssize_t length, int64_t arrival_ns, int in_window) {
  if (length < HEADER_BYTES || (packet[0] >> 6) != 2) return;
  uint16_t seq = (uint16_t)((packet[2] << 8) | packet[3]);
  s->received_total++;
  if (in_window) s->received_window++;
  if (!s->have_prev) {
    s->have_prev = 1;
    s->prev_seq = seq;
    s->prev_arrival_ns = arrival_ns;
    s->packet_index = 0;
    s->first_offset_ns = arrival_ns;
    return;
  }
  uint16_t gap = (uint16_t)(seq - (uint16_t)(s->prev_seq + 1));
  if (gap == 0) {
    if (in_window) {
      int64_t deviation = arrival_ns - s->prev_arrival_ns - FRAME_NS;
      hist_add(&deviation_hist, deviation < 0 ? -deviation : deviation);
    }
  } else if (gap < 0x8000) {
    if (in_window) s->lost_window += gap;
  } else {
    s->out_of_order++; /* duplicate or late: keep the newest sequence number */
    return;
  }
  s->packet_index += 1 + gap;
  s->prev_seq = seq;
  s->prev_arrival_ns = arrival_ns;
  if (in_window && s->offsets_count < s->offsets_capacity) {
    int64_t offset_ns = arrival_ns - s->packet_index * FRAME_NS - s->first_offset_ns;
    s->offsets_us[s->offsets_count++] = (int32_t)(offset_ns / 1000);
  }
}

/*
 * Delay variation (RFC 5481 PDV): for each stream, how much later than its
 * earliest packet (on the 20 ms grid) each window packet arrived. Packets that
 * left on an exact schedule show 0; this is the sender's pacing error seen
 * from outside, comparable with the gateway's own pacing histogram.
 */
static void collect_delay_variation(stream *streams, int count) {
  for (int i = 0; i < count; i++) {
    const stream *s = &streams[i];
    if (s->offsets_count == 0) continue;
    int32_t earliest = s->offsets_us[0];
    for (uint32_t k = 1; k < s->offsets_count; k++) {
      if (s->offsets_us[k] < earliest) earliest = s->offsets_us[k];
    }
    for (uint32_t k = 0; k < s->offsets_count; k++) {
      hist_add(&delay_variation_hist, (int64_t)(s->offsets_us[k] - earliest) * 1000);
    }
  }
}

static uint64_t receive_all(stream *s, const window *w, uint64_t *receive_errors) {
  static unsigned char buffers[RECV_BATCH][2048];
  static char controls[RECV_BATCH][CMSG_SPACE(sizeof(struct timespec)) + 64];
  struct mmsghdr messages[RECV_BATCH];
  struct iovec vectors[RECV_BATCH];
  uint64_t packets = 0;
  for (;;) {
    for (int i = 0; i < RECV_BATCH; i++) {
      vectors[i].iov_base = buffers[i];
      vectors[i].iov_len = sizeof buffers[i];
      memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_control = controls[i];
      messages[i].msg_hdr.msg_controllen = sizeof controls[i];
    }
    int received = recvmmsg(s->fd, messages, RECV_BATCH, MSG_DONTWAIT, NULL);
    if (received < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) (*receive_errors)++;
      return packets;
    }
    for (int i = 0; i < received; i++) {
      int64_t arrival_ns = kernel_timestamp_ns(&messages[i].msg_hdr);
      int64_t arrival_monotonic_ns = arrival_ns - w->realtime_minus_monotonic_ns;
      int in_window = arrival_monotonic_ns >= w->start_ns && arrival_monotonic_ns < w->end_ns;
      account_packet(s, buffers[i], messages[i].msg_len, arrival_ns, in_window);
    }
    packets += (uint64_t)received;
    if (received < RECV_BATCH) return packets;
  }
}

static void sleep_until(int64_t deadline_ns) {
  struct timespec ts = {.tv_sec = deadline_ns / 1000000000LL, .tv_nsec = deadline_ns % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

int main(int argc, char **argv) {
  int count = 0;
  int64_t warmup_ms = 2000, measure_ms = 8000, drain_ms = 500;
  const char *payload_path = NULL;
  const char *bind_host = "127.0.0.1";
  int want_realtime = 0;
  for (int i = 1; i < argc; i += 2) {
    if (strcmp(argv[i], "--realtime") == 0) {
      want_realtime = 1;
      i--; /* a flag without a value */
    } else if (i + 1 >= argc) fail("every option but --realtime takes a value");
    else if (strcmp(argv[i], "--streams") == 0) count = (int)arg_int("--streams", argv[i + 1], 1, 60000);
    else if (strcmp(argv[i], "--warmup-ms") == 0) warmup_ms = arg_int("--warmup-ms", argv[i + 1], 0, 600000);
    else if (strcmp(argv[i], "--measure-ms") == 0) measure_ms = arg_int("--measure-ms", argv[i + 1], 20, 600000);
    else if (strcmp(argv[i], "--drain-ms") == 0) drain_ms = arg_int("--drain-ms", argv[i + 1], 0, 60000);
    else if (strcmp(argv[i], "--payload") == 0) payload_path = argv[i + 1];
    else if (strcmp(argv[i], "--bind") == 0) bind_host = argv[i + 1];
    else fail("usage: rtp-load --streams N --payload FILE [--warmup-ms W] [--measure-ms M] [--drain-ms D] [--bind IP] [--realtime]");
  }
  if (count == 0 || payload_path == NULL) fail("--streams and --payload are required");

  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the orchestrator */
  /*
   * With --realtime, run SCHED_FIFO (when permitted) so other processes on the
   * generator's core cannot delay its sends: the load must be on time for the
   * measurement to be about the target. It sleeps between sends, and the
   * kernel's RT throttling still leaves other tasks a share of the core.
   */
  int realtime = 0;
  if (want_realtime) {
    struct sched_param param = {.sched_priority = 10};
    realtime = sched_setscheduler(0, SCHED_FIFO, &param) == 0;
  }
  prctl(PR_SET_TIMERSLACK, 1UL);    /* sleeps end on time, not up to 50 us late */
  srandom((unsigned)(clock_ns(CLOCK_REALTIME) ^ getpid()));

  size_t payload_length = 0;
  unsigned char *payload = read_payload_file(payload_path, &payload_length);
  raise_fd_limit(count);
  stream *streams = calloc((size_t)count, sizeof *streams);
  if (streams == NULL) die("calloc");
  open_streams(streams, count, bind_host);
  print_ports(streams, count);
  struct sockaddr_in target = wait_for_go();
  connect_and_drain(streams, count, &target);
  init_send_state(streams, count, payload_length / PAYLOAD_BYTES, measure_ms);

  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) die("epoll_create1");
  for (int i = 0; i < count; i++) {
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, streams[i].fd, &event) != 0) die("epoll_ctl");
  }

  window w;
  const int64_t start_ns = clock_ns(CLOCK_MONOTONIC) + 1000000LL;
  w.start_ns = start_ns + warmup_ms * 1000000LL;
  w.end_ns = w.start_ns + measure_ms * 1000000LL;
  w.realtime_minus_monotonic_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
  const int64_t finish_ns = w.end_ns + drain_ms * 1000000LL;
  uint64_t next_packet = 0; /* packet j: stream j % count, due start + j * 20 ms / count */
  uint64_t sent_total = 0, sent_window = 0, send_errors = 0, receive_errors = 0;
  int window_started = 0, window_ended = 0;
  struct epoll_event events[MAX_EVENTS];

  for (;;) {
    int64_t now = clock_ns(CLOCK_MONOTONIC);
    int64_t due = start_ns + (int64_t)(next_packet * (uint64_t)FRAME_NS / (uint64_t)count);
    while (due <= now && due < w.end_ns) {
      stream *s = &streams[next_packet % (uint64_t)count];
      hist_add(&lateness_hist, now - due);
      if (send_packet(s, payload, payload_length)) {
        sent_total++;
        if (due >= w.start_ns) sent_window++;
      } else {
        send_errors++;
      }
      next_packet++;
      due = start_ns + (int64_t)(next_packet * (uint64_t)FRAME_NS / (uint64_t)count);
      if ((next_packet & 63) == 0) now = clock_ns(CLOCK_MONOTONIC);
    }
    /* Harvest without blocking: arrival times come from the kernel, not from this loop. */
    for (;;) {
      int ready = epoll_wait(epoll_fd, events, MAX_EVENTS, 0);
      if (ready < 0 && errno != EINTR) die("epoll_wait");
      for (int e = 0; e < ready; e++) receive_all(&streams[events[e].data.u32], &w, &receive_errors);
      if (ready < MAX_EVENTS) break;
    }
    now = clock_ns(CLOCK_MONOTONIC);
    if (!window_started && now >= w.start_ns) {
      window_started = 1;
      printf("{\"event\":\"window_start\"}\n");
      fflush(stdout);
    }
    if (!window_ended && now >= w.end_ns) {
      window_ended = 1;
      printf("{\"event\":\"window_end\"}\n");
      fflush(stdout);
    }
    if (now >= finish_ns) break;

    int64_t wake = now + MAX_SLEEP_NS;
    if (due < w.end_ns && due < wake) wake = due;
    if (!window_started && w.start_ns < wake) wake = w.start_ns;
    if (!window_ended && w.end_ns < wake) wake = w.end_ns;
    if (finish_ns < wake) wake = finish_ns;
    sleep_until(start_ns + ((wake - start_ns + WAKE_GRID_NS - 1) / WAKE_GRID_NS) * WAKE_GRID_NS);
  }

  const int64_t realtime_drift_ns =
      (clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)) - w.realtime_minus_monotonic_ns;
  collect_delay_variation(streams, count);
  uint64_t received_total = 0, received_window = 0, lost_window = 0, out_of_order = 0;
  uint64_t min_window = UINT64_MAX, max_window = 0;
  for (int i = 0; i < count; i++) {
    received_total += streams[i].received_total;
    received_window += streams[i].received_window;
    lost_window += streams[i].lost_window;
    out_of_order += streams[i].out_of_order;
    if (streams[i].received_window < min_window) min_window = streams[i].received_window;
    if (streams[i].received_window > max_window) max_window = streams[i].received_window;
  }
  printf("{\"event\":\"result\",\"streams\":%d,\"warmup_ms\":%lld,\"measure_ms\":%lld,\"realtime\":%s,", count,
         (long long)warmup_ms, (long long)measure_ms, realtime ? "true" : "false");
  printf("\"sent_total\":%llu,\"sent_window\":%llu,\"send_errors\":%llu,", (unsigned long long)sent_total,
         (unsigned long long)sent_window, (unsigned long long)send_errors);
  printf("\"received_total\":%llu,\"received_window\":%llu,\"lost_window\":%llu,\"out_of_order\":%llu,",
         (unsigned long long)received_total, (unsigned long long)received_window, (unsigned long long)lost_window,
         (unsigned long long)out_of_order);
  printf("\"receive_errors\":%llu,\"min_stream_received_window\":%llu,\"max_stream_received_window\":%llu,",
         (unsigned long long)receive_errors, (unsigned long long)min_window, (unsigned long long)max_window);
  /* Kernel timestamps are CLOCK_REALTIME: a clock being slewed would bend the delay variation. */
  printf("\"realtime_drift_ms\":%.3f,", (double)realtime_drift_ns / 1e6);
  print_hist("deviation_ms", &deviation_hist);
  printf(",");
  print_hist("delay_variation_ms", &delay_variation_hist);
  printf(",");
  print_hist("send_lateness_ms", &lateness_hist);
  printf("}\n");
  fflush(stdout);
  return 0;
}
