#!/usr/bin/env python3
"""One timed run for benches/compare.sh.

Usage: run1.py BROKER_PID STDIN_FILE|- CMD [ARG]...

Runs CMD once (stdout and stderr dropped, stdin from STDIN_FILE or /dev/null for "-") and
prints four integers: wall time in microseconds, the command's CPU time (user + system, its
children included) in microseconds, the broker's CPU time over the same interval in
microseconds (from the schedstat of each of its threads, nanosecond resolution), and the
broker's CPU time after the command exited, until the broker is idle (less than 0.5 ms of CPU
in 20 ms). The broker's CPU shows when a workload is bound by the broker rather than by the
client; its CPU after the exit, how much the client left it to do (a client that exits with
its data still in the socket buffers leaves the broker reading it).
"""
import os
import subprocess
import sys
import time


def broker_ns(pid):
    # Summed over the broker's threads (rumqttd runs on several; mosquitto on one).
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total


def main():
    pid, stdin_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    stdin = open(os.devnull if stdin_path == "-" else stdin_path, "rb")
    b0 = broker_ns(pid)
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter_ns()
    b1 = broker_ns(pid)
    # Until the broker is idle: this is a benchmark's observation, not synchronisation.
    last, deadline = b1, time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = broker_ns(pid)
        if now - last < 500_000:
            break
        last = now
    cpu_us = int((ru.ru_utime + ru.ru_stime) * 1e6)
    print((t1 - t0) // 1000, cpu_us, (b1 - b0) // 1000, (last - b1) // 1000)


main()
