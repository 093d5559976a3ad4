#!/usr/bin/env bash
# One RabbitMQ 3.10 (rabbitmq_mqtt + rabbitmq_web_mqtt) on free loopback ports, for the
# integration suite's RabbitMQ pass (MQQ_TEST_BROKER=rabbitmq): starting one per test would
# cost ~14 s each. Usage:
#   eval "$(bash tests/brokers/rabbitmq.sh start DIR)"   # exports MQQ_TEST_RABBITMQ_PORT, …
#   bash tests/brokers/rabbitmq.sh stop DIR
# Follows the per-test recipe of tests/support/rabbitmq.rs (docs/DESIGN.md §6).
set -euo pipefail
cmd=$1 dir=$2
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
case $cmd in
start)
  mkdir -p "$dir"
  amqp=$(free) mqtt=$(free) ws=$(free) dist=$(free) epmd=$(free)
  cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
mqtt.listeners.tcp.default = 127.0.0.1:$mqtt
mqtt.allow_anonymous = true
loopback_users = none
web_mqtt.tcp.ip = 127.0.0.1
web_mqtt.tcp.port = $ws
CONF
  echo '[rabbitmq_mqtt,rabbitmq_web_mqtt].' > "$dir/enabled_plugins"
  cat > "$dir/env" <<ENV
export HOME=$dir
export RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
export RABBITMQ_MNESIA_BASE=$dir/mnesia
export RABBITMQ_LOG_BASE=$dir/log
export RABBITMQ_NODENAME=mqqci$mqtt@localhost
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$epmd
export RABBITMQ_DIST_PORT=$dist
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
ENV
  ( . "$dir/env"; nohup /usr/lib/rabbitmq/bin/rabbitmq-server > "$dir/server.out" 2>&1 & echo $! > "$dir/pid" )
  for _ in $(seq 900); do
    if (exec 3<>/dev/tcp/127.0.0.1/$mqtt) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/$ws) 2>/dev/null; then
      echo "export MQQ_TEST_RABBITMQ_PORT=$mqtt MQQ_TEST_RABBITMQ_WS_PORT=$ws MQQ_TEST_RABBITMQ_ENV=$dir/env"
      exit 0
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/server.out" >&2; exit 1; }
    sleep 0.1
  done
  echo "RabbitMQ did not listen within 90 s" >&2; exit 1 ;;
stop)
  [ -f "$dir/pid" ] || exit 0
  kill -TERM "$(cat "$dir/pid")" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$(cat "$dir/pid")" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$(cat "$dir/pid")" 2>/dev/null || true
  ( . "$dir/env"; epmd -kill >/dev/null 2>&1 || true ) ;;
esac
