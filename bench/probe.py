"""What the machine itself costs, so that runs on different days can be told apart: a CPU-bound
loop, a system call, and a wake-up of another process. A machine can run Python at its usual
speed while its system calls and wake-ups have become slower (seen here on 2026-12-04,
bench/README.md), and a proxy spends most of its time in those."""
import os
import time


def cpu_ms():
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def syscall_us(n=200_000):
    fd = os.open("/dev/null", os.O_WRONLY)
    try:
        start = time.perf_counter()
        for _ in range(n):
            os.write(fd, b"x")
        return (time.perf_counter() - start) / n * 1e6
    finally:
        os.close(fd)


def wakeup_us(n=20_000):
    """A round trip between two processes over pipes: two wake-ups."""
    to_child, from_parent = os.pipe()
    to_parent, from_child = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(from_parent)
        os.close(to_parent)
        for _ in range(n):
            os.read(to_child, 1)
            os.write(from_child, b"x")
        os._exit(0)
    # Each side keeps only its own ends, so that if the other one dies a read ends (EOF) instead of waiting forever.
    os.close(to_child)
    os.close(from_child)
    start = time.perf_counter()
    for _ in range(n):
        os.write(from_parent, b"x")
        os.read(to_parent, 1)
    elapsed = time.perf_counter() - start
    os.close(from_parent)
    os.close(to_parent)
    os.waitpid(pid, 0)
    return elapsed / n * 1e6


print(f"{cpu_ms():.0f} {syscall_us():.2f} {wakeup_us():.1f}")
