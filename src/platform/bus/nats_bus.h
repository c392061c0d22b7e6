// The bus on NATS JetStream 2.9 (the real stack's backend, DESIGN §1, §4).
// How the Bus contract maps onto JetStream, and where it cannot:
//
//  - A queue is a work-queue stream with one durable pull consumer; a
//    receive is a pull (its own request protocol over one inbox per
//    receiving thread, so that a long poll returns as soon as one message
//    is there). JetStream's delivery count is the receive count.
//  - Visibility is ours, kept per delivery by the process that received
//    it: at its end the process naks the message (visible again), while it
//    runs longer than the consumer's ack wait the process sends "in
//    progress" to keep it hidden. The consumer's ack wait is the queue's
//    visibility plus `visibility_grace`: what a delivery gets when its
//    process dies. So extend() and a per-receive visibility work as the
//    contract says while the receiver lives; after a crash the message
//    comes back after visibility + grace. (JetStream's own "in progress"
//    only restarts the consumer-wide ack wait from when it arrives: it
//    can neither shorten a visibility nor set one.)
//  - A receipt names a delivery in the Bus object that handed it out; ack,
//    nack and extend with a receipt this object does not hold (another
//    process's, one whose visibility ran out, one already used) are
//    refused quietly. JetStream 2.9 acks by stream sequence whatever the
//    delivery, so this is how a stale receipt is refused.
//  - Dead letters are ours: a message delivered more than max_receives
//    times is published to the queue's dead-letter stream (Nats-Msg-Id =
//    event id @ queue sequence, so a move repeated after a crash is
//    absorbed and a redriven message that dies again is not) and then
//    acked on the queue, never handed out.
//  - A delayed send carries Cafe-Not-Before; JetStream 2.9 cannot delay
//    delivery, so its first delivery is always taken back at once (nak
//    with the remaining delay) and not counted as a receive.
//  - queue_stats: JetStream keeps a message that waits out a nack's delay,
//    or a delayed send's remaining delay, pending on the consumer, and only
//    the consumer's pending count is known: such messages count as in
//    flight here, where the contract (and the embedded bus) says ready.
//  - max_messages is the stream's MaxMsgs with DiscardNew (the server
//    refuses). max_bytes is checked by send() against the stream's size
//    before it publishes, because nats-server 2.9's DiscardNew byte check
//    leaves out per-message overhead and then drops the OLDEST message to
//    fit; the stream's own MaxBytes is set a quarter higher, a backstop
//    that concurrent senders can only reach together.
//  - peek() reads the work-queue stream by sequence (direct gets), which
//    delivers nothing; a message's delivery count lives on the consumer,
//    out of reach without a delivery, so peeked messages carry count 0.
//  - A stream is a limits stream (MaxAge, MaxBytes, DiscardOld); offset =
//    stream sequence; read() makes an ephemeral pull consumer from the
//    offset and deletes it after. A read from a time finds its offset by a
//    binary search over direct gets: nats-server 2.9.10's own
//    DeliverByStartTime starts a file-backed stream's consumer past its end
//    for most times. Committed offsets are kept in a KV bucket per stream,
//    so they outlive every consumer process.
//  - Sends and appends go one by one with Nats-Msg-Id = event id: a batch
//    stops at its first failure, so records of one key are never stored
//    out of order, and a retried call is absorbed by JetStream's dedupe
//    window (two minutes, or max_age when shorter).
//
// Threads: libnats calls run on the backend's own threads, never on the
// caller's: a pool for short calls, a pool for stream reads, a few pulling
// threads per receiving queue (each with its own inbox), and one thread
// keeping visibility; all bounded, all stopped by close(). Results resume
// the caller on its own executor.
#pragma once

#include "platform/bus/bus.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace cafe::bus {

struct NatsBusOptions {
  std::string url = "nats://127.0.0.1:4222";
  std::chrono::milliseconds connect_timeout{2000};
  // libnats reconnects by itself; calls made while it is disconnected fail
  // at once with kUnavailable instead of waiting for it.
  std::chrono::milliseconds reconnect_wait{250};
  int max_reconnects = -1;                        // forever
  std::chrono::milliseconds ping_interval{2000};  // a dead server is noticed after two unanswered

  int call_threads = 2;  // sends, acks, declarations, stats
  std::size_t call_queue_limit = 1024;
  int read_threads = 4;  // stream reads (each may long-poll)
  std::size_t read_queue_limit = 64;
  int receive_threads_per_queue = 2;  // concurrent receives of one queue through this bus
  std::size_t receive_queue_limit = 64;
  std::size_t max_receiving_queues = 32;
  // Deliveries this bus holds (received, not yet acked, nacked or lapsed);
  // a receive beyond it is refused with kResourceExhausted.
  std::size_t max_deliveries = 10'000;
  std::chrono::milliseconds visibility_grace{2000};
};

// Connects (bounded by connect_timeout) and checks that JetStream answers;
// kUnavailable when it cannot.
Result<std::unique_ptr<Bus>> open_nats_bus(const NatsBusOptions& options);

}  // namespace cafe::bus
