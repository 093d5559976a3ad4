#!/usr/bin/env bash
# mqq against mosquitto's clients, side by side, on one machine and one broker:
# W1-W7 of the performance issue, W3k (W3 at 10k) and W8. Starts its own mosquitto on a free loopback port, runs
# the two commands of each workload alternately (mqq, mosquitto, mqq, ...) and prints the
# medians and the ratio mqq / mosquitto. Usage: bash benches/compare.sh [RUNS]
# Each run is timed by benches/run1.py rather than hyperfine: hyperfine runs all of one
# command's runs before the other's (not alternated) and cannot read the broker's CPU time,
# which is what shows a workload bound by the broker. Peak RSS comes from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v mosquitto_pub >/dev/null || need+=(mosquitto mosquitto-clients)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cargo build --release -q
mqq=$PWD/target/release/mqq
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\npersistence false\n' "$port" > "$work/m.conf"
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
"$mosquitto_bin" -c "$work/m.conf" >/dev/null 2>&1 & broker=$!
trap 'kill $broker 2>/dev/null; rm -rf "$work"' EXIT
until (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do sleep 0.05; done

python3 - "$work/lines64" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write(f"{i:08d}".ljust(64, "x") + "\n")
PY
head -n 50000 "$work/lines64" > "$work/lines50k"
python3 - "$work/lines1m" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000000):
        f.write(f"{i:08d}".ljust(64, "x") + "\n")
PY

# run STDIN CMD...: one run (stdin from the file, or none for -); prints its wall time, its
# CPU time, the broker's CPU time meanwhile and after it exited, in µs (benches/run1.py).
run() { python3 benches/run1.py "$broker" "$@"; }
results="$work/results"
: > "$results"
# record NAME "MQQ_WALL MQQ_CPU BROKER_CPU BROKER_AFTER" "OTHER_WALL OTHER_CPU BROKER_CPU BROKER_AFTER"
record() { echo "$1 $2 $3" >> "$results"; }

mqq_p=("$mqq" -h 127.0.0.1 -p "$port")
mos_p=(-h 127.0.0.1 -p "$port")

echo "W1: send -l 100,000 x 64 B, QoS 0, raw"
for _ in $(seq "$runs"); do
  a=$(run "$work/lines64" "${mqq_p[@]}" -t b/w1 -q 0 --raw --quiet send -l)
  b=$(run "$work/lines64" mosquitto_pub "${mos_p[@]}" -t b/w1 -q 0 -l)
  record W1 "$a" "$b"
done

echo "W2: send -l 50,000, QoS 1, raw"
for _ in $(seq "$runs"); do
  a=$(run "$work/lines50k" "${mqq_p[@]}" -t b/w2 -q 1 --raw --quiet send -l)
  b=$(run "$work/lines50k" mosquitto_pub "${mos_p[@]}" -t b/w2 -q 1 -l)
  record W2 "$a" "$b"
done
# Delivery of 200,000 lines at QoS 1, each sender into a durable session of its own.
delivered() { # TOPIC ID SENDER...: lines the session received
  local t=$1 id=$2; shift 2
  "${mqq_p[@]}" -t "$t" -i "$id" count --wait 200ms >/dev/null
  head -n 200000 "$work/lines1m" | "$@" >/dev/null 2>&1 || true
  "${mqq_p[@]}" -t "$t" -i "$id" --raw listen --idle-timeout 2s 2>/dev/null | wc -l
}
w2m=$(delivered b/w2dm w2dm "${mqq_p[@]}" -t b/w2dm -q 1 --raw --quiet send -l)
w2s=$(delivered b/w2ds w2ds mosquitto_pub "${mos_p[@]}" -t b/w2ds -q 1 -l)

# drains NAME N FILE: N pending (the lines of FILE) in a durable session of each client's,
# then each drains them. Filled with mqq: mosquitto_pub -l -q 1 loses lines of a long stream
# (seen: 34,484 of 100,000 arrived), which would leave the drains waiting for messages that
# never come.
drains() {
  local name=$1 n=$2 file=$3 w i
  w=$(echo "$name" | tr 'A-Z' 'a-z')
  for i in $(seq "$runs"); do
    "${mqq_p[@]}" -t "b/${w}m$i" -i "${w}m$i" --raw count --wait 200ms >/dev/null 2>&1
    mosquitto_sub "${mos_p[@]}" -t "b/${w}s$i" -i "${w}s$i" -c -q 1 -W 1 >/dev/null 2>&1 || true
    "${mqq_p[@]}" -t "b/${w}m$i" -q 1 --raw --quiet send -l < "$file"
    "${mqq_p[@]}" -t "b/${w}s$i" -q 1 --raw --quiet send -l < "$file"
    a=$(run - "${mqq_p[@]}" -t "b/${w}m$i" -i "${w}m$i" --raw receive -n "$n" -W 30s)
    b=$(run - mosquitto_sub "${mos_p[@]}" -t "b/${w}s$i" -i "${w}s$i" -c -q 1 -C "$n" -W 30)
    record "$name" "$a" "$b"
  done
}
echo "W3: drain 100,000 pending from a durable session"
drains W3 100000 "$work/lines64"
echo "W3k: drain 10,000 pending (the start of a drain: connect, resume, the first window)"
head -n 10000 "$work/lines64" > "$work/lines10k"
drains W3k 10000 "$work/lines10k"

echo "W4: one message, process start to exit"
for _ in $(seq "$runs"); do
  for _ in 1 2 3 4 5; do
    a=$(run - "${mqq_p[@]}" -t b/w4 --raw send hello)
    b=$(run - mosquitto_pub "${mos_p[@]}" -t b/w4 -q 1 -m hello)
    record W4 "$a" "$b"
  done
done

echo "W8: send -l 10 lines, QoS 1 (a few messages, where the broker's Nagle meets our delayed ACK)"
head -n 10 "$work/lines64" > "$work/lines10"
for _ in $(seq "$runs"); do
  for _ in 1 2 3; do
    a=$(run "$work/lines10" "${mqq_p[@]}" -t b/w8 -q 1 --raw --quiet send -l)
    b=$(run "$work/lines10" mosquitto_pub "${mos_p[@]}" -t b/w8 -q 1 -l)
    record W8 "$a" "$b"
  done
done

echo "W6: W1 with envelopes (mqq) against W1 raw (mqq)"
for _ in $(seq "$runs"); do
  a=$(run "$work/lines64" "${mqq_p[@]}" -t b/w6 -q 0 --quiet send -l)
  b=$(run "$work/lines64" "${mqq_p[@]}" -t b/w6 -q 0 --raw --quiet send -l)
  record W6 "$a" "$b"
done

# W1 and W6 against mosquitto are bound by the broker (it reads one packet per epoll wakeup,
# with three read calls: the broker's CPU time is about mqq's wall time). The same two against
# rumqttd (`mqq broker`, in its own process) show the clients' own speed.
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$mqq" broker -h 127.0.0.1 -p "$rport" >/dev/null 2>&1 & rbroker=$!
trap 'kill $broker $rbroker 2>/dev/null; rm -rf "$work"' EXIT
until (exec 3<>/dev/tcp/127.0.0.1/$rport) 2>/dev/null; do sleep 0.05; done
rrun() { python3 benches/run1.py "$rbroker" "$@"; }
echo "W1r, W6r: W1 and W6 against rumqttd (mqq broker)"
for _ in $(seq "$runs"); do
  a=$(rrun "$work/lines64" "$mqq" -h 127.0.0.1 -p "$rport" -t b/w1 -q 0 --raw --quiet send -l)
  b=$(rrun "$work/lines64" mosquitto_pub -h 127.0.0.1 -p "$rport" -t b/w1 -q 0 -l)
  record W1r "$a" "$b"
  a=$(rrun "$work/lines64" "$mqq" -h 127.0.0.1 -p "$rport" -t b/w6 -q 0 --quiet send -l)
  b=$(rrun "$work/lines64" "$mqq" -h 127.0.0.1 -p "$rport" -t b/w6 -q 0 --raw --quiet send -l)
  record W6r "$a" "$b"
done

echo "W7: count and peek -n 10 of 10 pending (mqq only; no mosquitto counterpart)"
"${mqq_p[@]}" -t b/w7 -i w7 count --wait 200ms >/dev/null
"${mqq_p[@]}" -t b/w7 send 1 2 3 4 5 6 7 8 9 10 2>/dev/null
for _ in $(seq "$runs"); do
  a=$(run - "${mqq_p[@]}" -t b/w7 -i w7 count)
  b=$(run - "${mqq_p[@]}" -t b/w7 -i w7 peek -n 10)
  record W7 "$a" "$b"
done

echo "W5: peak RSS of listen: live (running while 100,000 and 1,000,000 QoS 1 are sent) and backlog drain"
# live N: a durable listen is subscribed (it says so on stderr with -v), then N lines are sent.
live() {
  local n=$1 t=b/w5l-$1 log="$work/w5l-$1.log"
  "${mqq_p[@]}" -t "$t" -i "w5l-$n" count --wait 200ms >/dev/null
  /usr/bin/time -o "$work/w5l-$n.rss" -f %M "${mqq_p[@]}" -t "$t" -i "w5l-$n" --raw -v listen -n "$n" >/dev/null 2>"$log" &
  local pid=$!
  until grep -q "subscribed to" "$log" 2>/dev/null; do sleep 0.05; done
  head -n "$n" "$work/lines1m" | "${mqq_p[@]}" -t "$t" -q 1 --raw --quiet send -l
  wait "$pid"
  tail -1 "$work/w5l-$n.rss"
}
# drain N: N sent to the offline session first, then listen drains them.
drain() {
  local n=$1 t=b/w5-$1
  "${mqq_p[@]}" -t "$t" -i "w5-$n" count --wait 200ms >/dev/null
  head -n "$n" "$work/lines1m" | "${mqq_p[@]}" -t "$t" -q 1 --raw --quiet send -l
  /usr/bin/time -f %M "${mqq_p[@]}" -t "$t" -i "w5-$n" --raw listen -n "$n" 2>&1 >/dev/null | tail -1
}
l100=$(live 100000); l1m=$(live 1000000); r100=$(drain 100000); r1m=$(drain 1000000)

python3 - "$results" "$r100" "$r1m" "$l100" "$l1m" "$w2m" "$w2s" <<'PY'
import sys, statistics, platform, os, subprocess
rows = {}
for line in open(sys.argv[1]):
    w, *v = line.split()
    v = [int(x) for x in v]
    rows.setdefault(w, [[] for _ in range(8)])
    for i in range(8):
        rows[w][i].append(v[i])
med = lambda w, i: statistics.median(rows[w][i]) / 1000
names = {
    "W1": "send -l 100k x 64 B, QoS 0, raw (vs mosquitto_pub -l)",
    "W2": "send -l 50k, QoS 1, raw (vs mosquitto_pub -l -q 1)",
    "W3": "drain 100k pending (vs mosquitto_sub -c -C)",
    "W3k": "drain 10k pending (vs mosquitto_sub -c -C)",
    "W4": "one message, start to exit (vs mosquitto_pub -m)",
    "W6": "W1 with envelopes (vs W1 raw, both mqq)",
    "W7": "count (vs peek -n 10), 10 pending, both mqq",
    "W8": "send -l 10 lines, QoS 1 (vs mosquitto_pub -l -q 1)",
    "W1r": "W1 against rumqttd, `mqq broker` (vs mosquitto_pub -l)",
    "W6r": "W6 against rumqttd (envelopes vs raw, both mqq)",
}
print()
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
print(f"machine: {cpu}, {os.cpu_count()} cpus, {platform.system()} {platform.release()}")
# Medians over the runs: wall time (the goal), each client's CPU time, and the broker's CPU
# time while each ran and after it exited. A broker CPU close to the wall time means the
# broker was the bound; broker CPU after the exit is work the client left queued.
print("| workload | mqq | other | ratio | CPU mqq | CPU other | CPU ratio | broker CPU (mqq / other run) | broker CPU after exit (mqq / other) |")
print("|---|---|---|---|---|---|---|---|---|")
for w in ["W1", "W2", "W3", "W3k", "W4", "W6", "W7", "W8", "W1r", "W6r"]:
    if w not in rows: continue
    a, ca, ba, xa, b, cb, bb, xb = (med(w, i) for i in range(8))
    print(f"| {w} {names[w]} | {a:.1f} ms | {b:.1f} ms | {a / b:.2f} | {ca:.1f} ms | {cb:.1f} ms | {ca / cb:.2f} | {ba:.1f} / {bb:.1f} ms | {xa:.1f} / {xb:.1f} ms |")
print(f"| W2 delivered of 200,000 at QoS 1 | {int(sys.argv[6]):,} | {int(sys.argv[7]):,} | — | | | | | |")
print(f"| W5 listen peak RSS, live | 100k: {int(sys.argv[4]) / 1024:.1f} MB | 1M: {int(sys.argv[5]) / 1024:.1f} MB | {int(sys.argv[5]) / int(sys.argv[4]):.2f} | | | | | |")
print(f"| W5b listen peak RSS, backlog drain | 100k: {int(sys.argv[2]) / 1024:.1f} MB | 1M: {int(sys.argv[3]) / 1024:.1f} MB | {int(sys.argv[3]) / int(sys.argv[2]):.2f} | | | | | |")
PY
