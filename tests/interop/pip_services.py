"""Interop with a real pip-services service: the Python port's MqttMessageQueue
(pip-services3-mqtt) and mqq exchange MessageEnvelopes both ways through a mosquitto
started here on a free loopback port. Run by .ci/run after the Rust suites:

    python3 tests/interop/pip_services.py target/debug/mqq

Needs: pip install pip-services3-mqtt 'paho-mqtt<2' (3.0.1 uses paho's 1.x API), mosquitto.
Prints "N passed, N failed" and exits non-zero on any failure.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from pip_services3_commons.config import ConfigParams
from pip_services3_messaging.queues import MessageEnvelope
from pip_services3_mqtt.queues import MqttMessageQueue
import paho.mqtt.client as paho

# pip-services3-mqtt 3.0.1 calls client.connect(host, keepalive=...) and drops the
# configured port (it always dials 1883). Tests use free ports, so pass the port it
# resolved on to paho; nothing else of the library is touched.
_PORT = {}
_connect = paho.Client.connect


def _connect_with_port(self, host, port=1883, *args, **kwargs):
    return _connect(self, host, _PORT.get("port", port), *args, **kwargs)


paho.Client.connect = _connect_with_port

MQQ = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/mqq")
RESULTS = {"passed": 0, "failed": 0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mosquitto():
    d = tempfile.mkdtemp()
    port = free_port()
    conf = os.path.join(d, "m.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    proc = subprocess.Popen([binary, "-c", conf], stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:  # readiness probe, not synchronisation
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.01)
    raise SystemExit("mosquitto did not start")


def pip_queue(port, topic):
    """A pip-services queue named after its topic (Python publishes to the *name*)."""
    _PORT["port"] = port
    q = MqttMessageQueue(topic)
    q.configure(ConfigParams.from_tuples(
        "topic", topic,
        "client_id", "pip-" + uuid.uuid4().hex[:12],
        "connection.protocol", "mqtt",
        "connection.host", "127.0.0.1",
        "connection.port", port,
        "options.serialize_envelope", True,
        "options.autosubscribe", False,
        "options.qos", 1,
    ))
    q.open(None)
    # Subscribe now and wait for the broker's SUBACK through paho's hook.
    subscribed = threading.Event()
    q._connection._connection.on_subscribe = lambda *_: subscribed.set()
    q._subscribe(None)
    if not subscribed.wait(10):
        raise SystemExit("pip-services queue got no SUBACK")
    return q


def mqq(port, topic, *args):
    return subprocess.run([MQQ, "-L", f"mqtt://127.0.0.1:{port}", "-t", topic, *args],
                          capture_output=True, timeout=60)


def check(name, cond, detail=""):
    RESULTS["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))


def main():
    proc, port = start_mosquitto()
    try:
        # mqq → pip-services: the Python queue decodes what mqq writes.
        topic = "interop/py-in/" + uuid.uuid4().hex[:8]
        q = pip_queue(port, topic)
        r = mqq(port, topic, "send", "--type", "Order", "--correlation-id", "c-42", "héllo from mqq")
        check("mqq send exit 0", r.returncode == 0, r.stderr)
        m = q.receive(None, 10000)
        check("pip-services received the envelope", m is not None)
        if m is not None:
            check("message bytes", m.get_message_as_string() == "héllo from mqq", m.message)
            check("message_type", m.message_type == "Order", m.message_type)
            check("correlation_id", m.correlation_id == "c-42", m.correlation_id)
            check("message_id is 32 hex", len(m.message_id) == 32, m.message_id)
            check("sent_time parsed", m.sent_time is not None, m.sent_time)
        q.close(None)

        # pip-services → mqq: mqq decodes the Python envelope (local time, no zone).
        topic = "interop/py-out/" + uuid.uuid4().hex[:8]
        listener = subprocess.Popen(
            [MQQ, "-L", f"mqtt://127.0.0.1:{port}", "-t", topic, "-v", "listen", "-n", "1",
             "-F", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while b"subscribed to" not in listener.stderr.readline():
            if listener.poll() is not None:
                raise SystemExit("mqq listen exited early")
        q = pip_queue(port, topic)
        env = MessageEnvelope("c-7", "Invoice", "from pip-services")
        q.send(None, env)
        out, err = listener.communicate(timeout=30)
        q.close(None)
        check("mqq listen exit 0", listener.returncode == 0, err)
        got = json.loads(out) if out.strip() else {}
        check("payload", got.get("payload") == "from pip-services", out)
        check("message_type", got.get("message_type") == "Invoice", out)
        check("correlation_id", got.get("correlation_id") == "c-7", out)
        check("message_id", got.get("message_id") == env.message_id, out)
        check("sent_time", bool(got.get("sent_time")), out)
    finally:
        proc.kill()
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
