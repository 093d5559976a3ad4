# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mqq_global_optspecs
    string join \n t/topic= i/client-id= q/qos= group= raw envelope-version= L/uri= h/host= p/port= protocol= V/protocol-version= u/username= P/password= password-file= tls cafile= capath= cert= key= insecure tls-server-name= alpn= config= queue= set= v/verbose quiet help version
end

function __fish_mqq_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mqq_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mqq_using_subcommand
    set -l cmd (__fish_mqq_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mqq -n "__fish_mqq_needs_command" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_needs_command" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_needs_command" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_needs_command" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_needs_command" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_needs_command" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_needs_command" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_needs_command" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_needs_command" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_needs_command" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_needs_command" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_needs_command" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_needs_command" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_needs_command" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_needs_command" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_needs_command" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_needs_command" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_needs_command" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_needs_command" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_needs_command" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_needs_command" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_needs_command" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_needs_command" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_needs_command" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_needs_command" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_needs_command" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_needs_command" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_needs_command" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_needs_command" -l version -d 'Print mqq\'s version (-V is the MQTT protocol version, as in mosquitto\'s clients)'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "config" -d 'Print the resolved config with the source of every value (secrets as ***)'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "broker" -d 'Run an MQTT broker in this process, for trying mqq and local work'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "send" -d 'Publish messages; returns when the broker acknowledged every one'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "receive" -d 'Take up to N messages (consumes them), waiting up to a timeout'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "listen" -d 'Stream messages until Ctrl-C / SIGTERM, a count, or an idle timeout'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "peek" -d 'Show up to N pending messages without consuming them'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "count" -d 'Print how many messages are pending (never consumes)'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "clear" -d 'Remove the queue\'s session and its pending messages at the broker'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "move" -d 'Move pending messages to another topic (acked at the source after the destination)'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "work" -d 'Run a command for each message; acknowledge it only when the command succeeds'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "check" -d 'Check a broker: round trips, retained, durable, its capabilities, thresholds'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "completions" -d 'Print shell completions: bash, zsh, fish, elvish or powershell'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "man" -d 'Print a manual page (roff): mqq(1), or a verb\'s mqq-VERB(1)'
complete -c mqq -n "__fish_mqq_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqq -n "__fish_mqq_using_subcommand config" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand config" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand config" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand config" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand config" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand config" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand config" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand config" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand config" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand config" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand config" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand config" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand config" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand config" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand config" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand config" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l ws-port -d 'Also serve MQTT over WebSockets on this port (any path, e.g. ws://localhost:PORT/mqtt)' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand broker" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand broker" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand send" -s m -l message -d 'A message (repeatable; as mosquitto_pub\'s -m), sent after the MESSAGE arguments' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s f -l file -d 'Send the file\'s bytes as one message (\'-\' for stdin)' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l type -d 'Envelope message_type' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l correlation-id -d 'Envelope correlation_id (trace_id in v4)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l message-id -d 'Envelope message_id (default: a random 32-hex id per message)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l property -d 'MQTT 5 user property KEY=VALUE (repeatable). MQTT 3.1.1 cannot carry properties: there mqq warns and sends the message without them' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l content-type -d 'MQTT 5 content type (e.g. application/json)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l expiry -d 'MQTT 5 message expiry: the broker drops the message when it was not delivered within this long (30s, 1h; whole seconds, rounded up)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l response-topic -d 'MQTT 5 response topic' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l correlation-data -d 'MQTT 5 correlation data (the text\'s bytes)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l repeat -d 'Send everything N times' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s W -l timeout -d 'How long to wait for the broker: connecting, and each answer after (exit 3 when none comes). Default: options.connect_timeout (30s)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand send" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand send" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand send" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand send" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand send" -s l -l lines -d 'Send each line of stdin as a message (the newline is not sent)'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l ndjson -d 'Replay a capture: each stdin line is a message as -F json writes it, sent to its own topic (payload or base64 payload, retain, envelope fields, MQTT 5 properties)'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l skip-bad -d 'With --ndjson: skip lines that are not messages (a warning each) instead of stopping'
complete -c mqq -n "__fish_mqq_using_subcommand send" -s n -l null-message -d 'Send one empty message: zero bytes, never wrapped in an envelope'
complete -c mqq -n "__fish_mqq_using_subcommand send" -s r -l retain -d 'Set the retain flag. An empty retained message (-r -n, or -r \'\') clears the topic\'s retained message: it is always sent as zero bytes, whatever the envelope mode'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand send" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand send" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s n -l count -d 'How many messages to take (-C as in mosquitto_sub)' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s W -l timeout -d 'How long to wait in all (500ms, 5s, 2m; a bare number is seconds)' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s F -l format -d 'Output format: text, raw, json, or a template such as \'%t %p\'' -r -f -a "text\t''
raw\t''
json\t''"
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l pretty -d 'Pretty-print JSON (-F json, %j), one object over several lines; implies -F json'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s R -l no-retained -d 'Skip retained messages (a durable queue still acknowledges them)'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s N -l no-eol -d 'No newline after each message (text and templates), as mosquitto_sub -N'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand receive" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s n -l count -d 'Stop after N messages (-C as in mosquitto_sub)' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l idle-timeout -d 'Stop when no message arrived for this long (500ms, 5s, 2m); one still arriving holds it off' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s W -l timeout -d 'Stop after this long in all, connecting included (as mosquitto_sub\'s -W); exit 0' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s F -l format -d 'Output format: text, raw, json, or a template such as \'%t %p\'' -r -f -a "text\t''
raw\t''
json\t''"
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l pretty -d 'Pretty-print JSON (-F json, %j), one object over several lines; implies -F json'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s R -l no-retained -d 'Skip retained messages (a durable queue still acknowledges them)'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s N -l no-eol -d 'No newline after each message (text and templates), as mosquitto_sub -N'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand listen" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s n -l count -d 'How many messages to show at most (-C as in mosquitto_sub)' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l wait -d 'Stop when no message arrived for this long (a message still arriving holds it off)' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l settle -d 'Once messages arrive, stop when none came for this long (at most --wait) plus the connection\'s set-up time: the broker\'s burst ended' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l window -d 'The broker\'s unacked window: showing this many means more may be pending (default: MQTT 5 the Receive Maximum mqq sent, 65535; MQTT 3.1.1 the one `mqq check` measured on this broker, else 10)' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s W -l timeout -d 'How long to wait for the broker: connecting, and each answer after (exit 3 when none comes). Default: options.connect_timeout (30s)' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s F -l format -d 'Output format: text, raw, json, or a template such as \'%t %p\'' -r -f -a "text\t''
raw\t''
json\t''"
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l pretty -d 'Pretty-print JSON (-F json, %j), one object over several lines; implies -F json'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s R -l no-retained -d 'Skip retained messages (a durable queue still acknowledges them)'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s N -l no-eol -d 'No newline after each message (text and templates), as mosquitto_sub -N'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand peek" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand count" -l wait -d 'Stop counting when no message arrived for this long (a message still arriving holds it off)' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l settle -d 'Once messages arrive, stop counting when none came for this long (at most --wait) plus the connection\'s set-up time: the broker\'s burst ended' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l window -d 'The broker\'s unacked window: a count at or above it prints as N+. Default: on MQTT 5 the Receive Maximum mqq sent (65535); on MQTT 3.1.1 the one `mqq check` measured on this broker (kept 7 days), else 10, which suits every broker mqq was measured with (mosquitto 20, RabbitMQ 10)' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s W -l timeout -d 'How long to wait for the broker: connecting, and each answer after (exit 3 when none comes). Default: options.connect_timeout (30s)' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand count" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand count" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand count" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand count" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand count" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand count" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand count" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand count" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand count" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand count" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand count" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand count" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand count" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand count" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand count" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand clear" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand clear" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l to -d 'Destination topic (on the same broker)' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l to-queue -d 'Destination: queue NAME of the config file (its topic and broker; the environment applies, the command line\'s flags do not)' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s n -l count -d 'Move at most N messages' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l wait -d 'Stop when nothing arrived for this long (a message still arriving holds it off)' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s F -l format -d 'Output format: text, raw, json, or a template such as \'%t %p\'' -r -f -a "text\t''
raw\t''
json\t''"
complete -c mqq -n "__fish_mqq_using_subcommand move" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand move" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand move" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand move" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand move" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand move" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand move" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand move" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand move" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand move" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand move" -l dry-run -d 'Show what would move, without moving anything'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l pretty -d 'Pretty-print JSON (-F json, %j), one object over several lines; implies -F json'
complete -c mqq -n "__fish_mqq_using_subcommand move" -s R -l no-retained -d 'Skip retained messages (a durable queue still acknowledges them)'
complete -c mqq -n "__fish_mqq_using_subcommand move" -s N -l no-eol -d 'No newline after each message (text and templates), as mosquitto_sub -N'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand move" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand move" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand work" -s j -l concurrency -d 'Commands running at once (messages are still acknowledged in order)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l max-attempts -d 'Runs of one message before it is dead-lettered (or work stops)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l dead-letter -d 'Topic for messages that failed --max-attempts times (published at QoS 1, then acked)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l timeout -d 'Kill a command that runs longer than this (the message is abandoned)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l grace -d 'On Ctrl-C/SIGTERM, how long running commands may finish (then they are killed)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l retry-delay -d 'Pause before reconnecting to get an abandoned message back' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s n -l count -d 'Stop after N completed messages' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l idle-timeout -d 'Stop when no message arrived for this long (one still arriving holds it off)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand work" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand work" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand work" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand work" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand work" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand work" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand work" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand work" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand work" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand work" -l json-events -d 'One JSON object per message outcome on stderr, for machines'
complete -c mqq -n "__fish_mqq_using_subcommand work" -l pass-secrets -d 'Pass mqq\'s secrets to the command: MQQ_PASSWORD, MQQ_PASSWORD_FILE, and MQQ_URI when it holds a password (without this flag they are removed from its environment)'
complete -c mqq -n "__fish_mqq_using_subcommand work" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand work" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand work" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand work" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand work" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand work" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand check" -s n -l count -d 'Probe messages to round-trip' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l size -d 'Payload size of each probe, in bytes (at least 32)' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s W -l timeout -d 'How long each step may take (500ms, 5s, 2m; a bare number is seconds)' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l max-size -d 'The largest payload to try when probing what round-trips (64K, 1M; bytes, or K/M)' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l max-connect -d 'Fail (exit 1) when connecting takes longer than this' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l max-p50 -d 'Fail (exit 1) when the median round-trip latency is above this' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l max-p99 -d 'Fail (exit 1) when the 99th percentile round-trip latency is above this' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l min-rate -d 'Fail (exit 1) when fewer messages a second come back than this' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l require -d 'Fail (exit 1) unless the broker supports this capability (repeatable)' -r -f -a "mqtt5\t'MQTT 5 accepted'
mqtt311\t'MQTT 3.1.1 accepted'
qos0\t'A QoS 0 round trip'
qos1\t'A QoS 1 round trip'
qos2\t'A QoS 2 round trip, delivered exactly once at QoS 2'
retained\t'A retained message kept for a new subscriber'
wildcard-plus\t'The single-level wildcard `+`'
wildcard-hash\t'The multi-level wildcard `#`'
shared\t'Shared subscriptions (`$share/GROUP/…`) split a burst between two subscribers'
durable\t'A message sent to an offline durable session is kept and delivered on reconnect'
window\t'The window of unacknowledged messages a resumed session gets (measured)'
max-payload\t'The largest payload that round-trips (up to --max-size)'
receive-maximum\t'MQTT 5 CONNACK: Receive Maximum'
max-packet-size\t'MQTT 5 CONNACK: Maximum Packet Size'
topic-alias-max\t'MQTT 5 CONNACK: Topic Alias Maximum'
session-expiry\t'MQTT 5 CONNACK: Session Expiry Interval'
retain-available\t'MQTT 5 CONNACK: Retain Available'
wildcard-available\t'MQTT 5 CONNACK: Wildcard Subscription Available'
shared-available\t'MQTT 5 CONNACK: Shared Subscription Available'
max-qos\t'MQTT 5 CONNACK: Maximum QoS'"
complete -c mqq -n "__fish_mqq_using_subcommand check" -l warn-expiry -d 'TLS: warn (exit 1; Nagios WARNING) when the server certificate expires within this (30d, 2w; read from a handshake of its own)' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s F -l format -d 'Report format: text lines, one JSON object, a JUnit XML report, or a Nagios plugin\'s status line with perfdata (exit 0/1/2/3: OK/WARNING/CRITICAL/UNKNOWN)' -r -f -a "text\t'One line per step'
json\t'One JSON object'
junit\t'JUnit XML: one testcase per step, capability and threshold'
nagios\t'A Nagios plugin\'s status line and perfdata; exit codes in Nagios\' meaning'"
complete -c mqq -n "__fish_mqq_using_subcommand check" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand check" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand check" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand check" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand check" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand check" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand check" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand check" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand check" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand check" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand check" -l no-retained -d 'Skip the retained-message round trip'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l no-durable -d 'Skip the durable (persistent session) round trip'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l embedded -d 'Start an in-process broker on a free port and check against it'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l no-capabilities -d 'Skip the capability probes (MQTT versions, QoS levels, wildcards, shared subscriptions, the window, the CONNACK\'s limits, the largest payload)'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand check" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand check" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand completions" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand completions" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand man" -l dir -d 'Write every page into DIR (created if missing) instead of printing one' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -s t -l topic -d 'Topic; receiving verbs accept + and # wildcards, and several -t (one subscription) [env: MQQ_TOPIC]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -s i -l client-id -l id -d 'Client id; makes the queue durable (persistent session) [env: MQQ_CLIENT_ID]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -s q -l qos -d 'QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more) [env: MQQ_QOS]' -r -f -a "0\t''
1\t''
2\t''"
complete -c mqq -n "__fish_mqq_using_subcommand man" -l group -d 'Competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where the broker or `mqq check` says it does not split) [env: MQQ_GROUP]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l envelope-version -d 'Envelope version to write: 3 (correlation_id), 4 (trace_id) or both [env: MQQ_ENVELOPE_VERSION]' -r -f -a "3\t''
4\t''
both\t''"
complete -c mqq -n "__fish_mqq_using_subcommand man" -s L -l uri -d 'Broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss:// [env: MQQ_URI]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -s h -l host -d 'Broker host [env: MQQ_HOST]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -s p -l port -d 'Broker port (1883; 8883 for TLS) [env: MQQ_PORT]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l protocol -d 'Protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss [env: MQQ_PROTOCOL]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -s V -l protocol-version -d 'MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused) [env: MQQ_PROTOCOL_VERSION]' -r -f -a "3.1.1\t''
5\t''
auto\t''"
complete -c mqq -n "__fish_mqq_using_subcommand man" -s u -l username -d 'User name [env: MQQ_USERNAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -s P -l password -d 'Password [env: MQQ_PASSWORD]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l password-file -d 'Read the password from a file (one trailing newline is ignored) [env: MQQ_PASSWORD_FILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -l cafile -d 'PEM file of CA certificates to trust instead of the system\'s roots [env: MQQ_CAFILE]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -l capath -d 'Directory of PEM CA certificates to trust instead of the system\'s roots [env: MQQ_CAPATH]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -l cert -d 'PEM client certificate (chain) for mutual TLS; needs its key [env: MQQ_CERT]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -l key -d 'PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted) [env: MQQ_KEY]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -l tls-server-name -d 'Name to verify the broker\'s certificate against (default: the host) [env: MQQ_TLS_SERVER_NAME]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l alpn -d 'ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca) [env: MQQ_ALPN]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l config -d 'YAML config file: one queue, `queues:` profiles, or a pip-services container config [env: MQQ_CONFIG]' -r -F
complete -c mqq -n "__fish_mqq_using_subcommand man" -l queue -d 'Queue name: picks a queue of a `queues:` or container file; the default topic [env: MQQ_QUEUE]' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l set -d 'Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)' -r
complete -c mqq -n "__fish_mqq_using_subcommand man" -l raw -d 'Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the environment MQQ_ENVELOPE=false) [env: MQQ_ENVELOPE]'
complete -c mqq -n "__fish_mqq_using_subcommand man" -l tls -d 'TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss:// [env: MQQ_TLS]'
complete -c mqq -n "__fish_mqq_using_subcommand man" -l insecure -d 'Do not verify the broker\'s certificate (testing only; warns every time) [env: MQQ_INSECURE]'
complete -c mqq -n "__fish_mqq_using_subcommand man" -s v -l verbose -d 'More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace; mosquitto_sub\'s -v, topic and payload on stdout, is -F \'%t %p\')'
complete -c mqq -n "__fish_mqq_using_subcommand man" -l quiet -d 'No summaries, progress display or warnings on stderr; errors are still printed'
complete -c mqq -n "__fish_mqq_using_subcommand man" -l help -d 'Print help'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "config" -d 'Print the resolved config with the source of every value (secrets as ***)'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "broker" -d 'Run an MQTT broker in this process, for trying mqq and local work'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "send" -d 'Publish messages; returns when the broker acknowledged every one'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "receive" -d 'Take up to N messages (consumes them), waiting up to a timeout'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "listen" -d 'Stream messages until Ctrl-C / SIGTERM, a count, or an idle timeout'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "peek" -d 'Show up to N pending messages without consuming them'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "count" -d 'Print how many messages are pending (never consumes)'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "clear" -d 'Remove the queue\'s session and its pending messages at the broker'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "move" -d 'Move pending messages to another topic (acked at the source after the destination)'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "work" -d 'Run a command for each message; acknowledge it only when the command succeeds'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "check" -d 'Check a broker: round trips, retained, durable, its capabilities, thresholds'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "completions" -d 'Print shell completions: bash, zsh, fish, elvish or powershell'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "man" -d 'Print a manual page (roff): mqq(1), or a verb\'s mqq-VERB(1)'
complete -c mqq -n "__fish_mqq_using_subcommand help; and not __fish_seen_subcommand_from config broker send receive listen peek count clear move work check completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
