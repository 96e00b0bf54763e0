#!/usr/bin/env bash
# Self-test for hub-sandbox: proves the sandbox gives us what hub-manager's tests rely on
# (real systemd + D-Bus, notify/watchdog semantics, journal, host-reachable loopback ports,
# coherent bind mounts, several sandboxes at once, clean teardown). Exit 0 = all passed.
set -euo pipefail
HS=$(dirname "$(readlink -f "$0")")/hub-sandbox
T=$(mktemp -d /tmp/hub-sandbox-selftest.XXXXXX)
A=$T/a B=$T/b X=$T/exchange
mkdir -p "$X"
fails=0
ok()   { echo "PASS  $*"; }
bad()  { echo "FAIL  $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else bad "$what"; fi; }
# Poll CMD until it succeeds or SECS elapse (never a fixed sleep).
within() { local secs=$1 end; shift; end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || return 1; sleep 0.2; done; }
cleanup() { "$HS" stop "$A" >/dev/null 2>&1 || true; "$HS" stop "$B" >/dev/null 2>&1 || true; }
trap cleanup EXIT
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- boot two sandboxes concurrently (A shares $X, B has a private network) ---------
t0=$(ms)
"$HS" boot "$A" --bind "$X" >"$T/a.out" 2>"$T/a.err" & pa=$!
"$HS" boot "$B" --net >"$T/b.out" 2>"$T/b.err" & pb=$!
rc=0; wait $pa || rc=1; wait $pb || rc=1
((rc == 0)) || { cat "$T"/*.err; echo "FAIL  boot"; exit 1; }
echo "INFO  two concurrent boots took $(($(ms) - t0)) ms (pids $(cat "$T/a.out") $(cat "$T/b.out"))"
run() { "$HS" run "$A" "$@"; }
check "A is running"            test "$(run systemctl is-system-running)" = running
check "B is running"            test "$("$HS" run "$B" systemctl is-system-running)" = running
check "distinct PID 1s"         test "$(cat "$A/pid")" != "$(cat "$B/pid")"
check "busctl answers in A"     run busctl --system status
check "B has lo up (--net)"     bash -c "'$HS' run '$B' ip -br link show lo | grep -q UP"

# --- bind mount coherence, both directions, and overlay isolation --------------------
echo host-wrote >"$X/from-host"
check "bind: host->sandbox"     test "$(run cat "$X/from-host")" = host-wrote
run sh -c "echo sandbox-wrote >'$X/from-sandbox'"
check "bind: sandbox->host"     test "$(cat "$X/from-sandbox")" = sandbox-wrote
R=$("$HS" root "$A")
echo marker >"$R/etc/hub-sandbox-marker"
check "root DIR writes into A"  test "$(run cat /etc/hub-sandbox-marker)" = marker
check "A's overlay not in B"    "$HS" run "$B" test ! -e /etc/hub-sandbox-marker
check "A's overlay not on host" test ! -e /etc/hub-sandbox-marker

# --- units, written from the host through the sandbox root ---------------------------
U=$R/etc/systemd/system
cat >"$U/st-notify.service" <<'EOF'
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/bash -c 'systemd-notify --ready; while :; do sleep 1; done'
EOF
cat >"$U/st-ticker.service" <<'EOF'
[Service]
ExecStart=/bin/bash -c 'i=0; while :; do echo "tick $((i++))"; sleep 1; done'
EOF
cat >"$U/st-watchdog.service" <<'EOF'
[Service]
Type=simple
WatchdogSec=2
ExecStart=/bin/sleep infinity
EOF
run systemctl daemon-reload
check "notify service starts"   run timeout 20 systemctl start st-notify st-ticker
check "notify service active"   test "$(run systemctl is-active st-notify)" = active
check "ticker service active"   test "$(run systemctl is-active st-ticker)" = active
check "journal shows ticks"     within 10 bash -c \
  "test \$('$HS' run '$A' journalctl -u st-ticker -n 3 -o cat | grep -c '^tick ') -ge 2"
run journalctl -u st-ticker -n 3 --no-pager | sed 's/^/      /'

# --- D-Bus restart: bus and systemd's bus connection must come back ------------------
check "restart dbus"            run timeout 20 systemctl restart dbus
check "busctl after restart"    within 10 run busctl --system status
check "systemd1 on bus again"   within 10 run busctl --system call org.freedesktop.systemd1 \
  /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping
check "systemctl after restart" test "$(run systemctl is-active st-notify)" = active

# --- watchdog: never pings => systemd kills it -----------------------------------------
run systemctl start st-watchdog
check "watchdog kills silent svc" within 15 bash -c \
  "test \"\$('$HS' run '$A' systemctl show -P Result st-watchdog)\" = watchdog"

# --- a server on 127.0.0.1 inside is reachable from the host -------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo served-from-sandbox >"$X/index.txt"
run systemd-run -q --unit=st-http /usr/bin/python3 -m http.server --bind 127.0.0.1 \
  --directory "$X" "$port"
check "host curl reaches :$port" within 15 bash -c \
  "test \"\$(curl -fsS http://127.0.0.1:$port/index.txt)\" = served-from-sandbox"
check "--net port is private"   bash -c "! '$HS' run '$B' curl -fsS -m 2 http://127.0.0.1:$port/ 2>/dev/null"

# --- teardown: nothing may be left behind ---------------------------------------------
pids="$(cat "$A/pid") $(cat "$B/pid")"; cga=$(cat "$A/cgroup") cgb=$(cat "$B/cgroup")
t0=$(ms); "$HS" stop "$A"; "$HS" stop "$B"
echo "INFO  stop took $(($(ms) - t0)) ms"
check "stop is idempotent"      "$HS" stop "$A"
check "PID 1s are gone"         bash -c "for p in $pids; do ! test -e /proc/\$p || exit 1; done"
check "no process mentions $T"  bash -c "! pgrep -af -- '$T' | grep -v pgrep"
check "cgroups removed"         test ! -e "$cga" -a ! -e "$cgb"
check "no host mounts left"     bash -c "! grep -q -- '$T' /proc/self/mountinfo"
check "tmpfs never on host"     test -z "$(ls -A "$A/mnt")"
check "port released"           bash -c "! curl -fsS -m 2 http://127.0.0.1:$port/ 2>/dev/null"

trap - EXIT
if ((fails)); then echo "selftest: $fails FAILED (state kept in $T)"; exit 1; fi
rm -rf "$T"; echo "selftest: all passed"
