"""Opens N idle `GET /events` streams on HOST:PORT, holds them for SECONDS, reports how many stayed open.

Usage: events_hold.py PORT N SECONDS. A stream counts as alive if it answered 200 and is still
open (no EOF, no error) at the end. Loopback only; bounded in count and time.
"""
import selectors, socket, sys, time

port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
socks, ok = [], set()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\n")
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
    socks.append(s)
dead = set()
deadline = time.time() + hold
while time.time() < deadline:
    for key, _ in sel.select(timeout=0.5):
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if not data:
            dead.add(key.data)
            sel.unregister(key.fileobj)
        elif data.startswith(b"HTTP/1.1 200"):
            ok.add(key.data)
print("opened=%d answered200=%d closed_early=%d alive=%d" % (n, len(ok), len(dead), len(ok - dead)))
for s in socks:
    s.close()
