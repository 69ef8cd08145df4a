"""Abuse of one proxy while a well-behaved client keeps calling it; prints one line of key=value results.

Usage: load_probe.py SCENARIO PORT N SECONDS GOOD_PORT [SIZE]
  slow-heads       N connections send a request head one byte every 5 s (a slowloris)
  idle-flood       N connections each make one GET /_ping, then stay idle
  refused-uploads  N connections send SIZE bytes (default 1 MB) of a chunked body to an endpoint
                   both proxies refuse (POST /networks/create), withholding the last chunk
For SECONDS (or until every abusive connection has closed), a well-behaved client calls GET /_ping
on GOOD_PORT, a new connection every 50 ms. The abusive connections are counted by the answer they
read (a status code, or "none") and whether the proxy closed them ("closed") or they were still open
at the end ("open"); "median_close_s" is when the closed ones closed. Loopback only; bounded in count
(N) and time (SECONDS).
"""
import selectors
import socket
import statistics
import sys
import threading
import time

scenario, port, n, seconds, good_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
size = int(sys.argv[6]) if len(sys.argv) > 6 else 1 << 20
ADDRESS = ("127.0.0.1", port)
GOOD = ("127.0.0.1", good_port)
CHUNK = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"


class Conn:
    def __init__(self, sock, opened):
        self.sock = sock
        self.opened = opened
        self.outgoing = b""
        self.received = b""
        self.closed = None
        self.next_byte = None
        self.trickle = b""

    def answer(self):
        """The status of the last answer read (the idle flood's first one is its own request's), or none."""
        heads = [h for h in self.received.split(b"HTTP/1.1 ")[1:] if h[:3].isdigit()]
        return heads[-1][:3].decode() if heads else "none"


def good_client(stop, results):
    while not stop.is_set():
        start = time.perf_counter()
        try:
            with socket.create_connection(GOOD, timeout=10) as s:
                s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            ok = data.startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        results.append((ok, time.perf_counter() - start))
        time.sleep(0.05)


def main():
    sel = selectors.DefaultSelector()
    conns = []
    start = time.time()
    for _ in range(n):
        try:
            s = socket.create_connection(ADDRESS, timeout=10)
        except OSError:
            c = Conn(None, time.time())
            c.closed = time.time()
            conns.append(c)
            continue
        s.setblocking(False)
        c = Conn(s, time.time())
        if scenario == "slow-heads":
            c.trickle = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Slow: " + b"x" * 200 + b"\r\n\r\n"
            c.next_byte = time.time()
        elif scenario == "idle-flood":
            c.outgoing = b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n"
        elif scenario == "refused-uploads":
            c.outgoing = (b"POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n") + CHUNK * (size // 65536)
        else:
            sys.exit("unknown scenario " + scenario)
        sel.register(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if c.outgoing else 0), c)
        conns.append(c)

    stop = threading.Event()
    good = []
    g = threading.Thread(target=good_client, args=(stop, good), daemon=True)
    g.start()

    deadline = start + seconds
    while time.time() < deadline and any(c.closed is None for c in conns):
        now = time.time()
        for c in conns:
            if c.closed is None and c.trickle and now >= c.next_byte:
                try:
                    c.sock.send(c.trickle[:1])
                    c.trickle = c.trickle[1:]
                except OSError:
                    pass
                c.next_byte = now + 5
        for key, events in sel.select(timeout=0.2):
            c = key.data
            if events & selectors.EVENT_WRITE and c.outgoing:
                try:
                    sent = c.sock.send(c.outgoing[:262144])
                    c.outgoing = c.outgoing[sent:]
                except BlockingIOError:
                    pass
                except OSError:
                    c.outgoing = b""
                if not c.outgoing:
                    sel.modify(c.sock, selectors.EVENT_READ, c)
            if events & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    c.received += data
                else:
                    sel.unregister(c.sock)
                    c.closed = time.time()

    stop.set()
    g.join(15)
    counts = {}
    for c in conns:
        key = c.answer() + ("-closed" if c.closed is not None else "-open")
        counts[key] = counts.get(key, 0) + 1
    closes = [c.closed - c.opened for c in conns if c.closed is not None]
    latencies = sorted(t for ok, t in good if ok)
    fields = {"scenario": scenario, "n": n}
    fields.update({"end_" + k: v for k, v in sorted(counts.items())})
    fields["median_close_s"] = "%.1f" % statistics.median(closes) if closes else "-"
    fields["good_ok"] = sum(1 for ok, _ in good if ok)
    fields["good_failed"] = sum(1 for ok, _ in good if not ok)
    fields["good_p50_ms"] = "%.1f" % (1000 * latencies[len(latencies) // 2]) if latencies else "-"
    fields["good_p99_ms"] = "%.1f" % (1000 * latencies[int(len(latencies) * 0.99)]) if latencies else "-"
    print(" ".join("%s=%s" % kv for kv in fields.items()), flush=True)
    for c in conns:
        if c.sock is not None:
            c.sock.close()


main()
