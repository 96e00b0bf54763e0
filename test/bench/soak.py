#!/usr/bin/env python3
"""make soak's driver: the hostile inputs of issue #15, interleaved with normal traffic, against the manager
as packaged in a real systemd sandbox (test/bench/soak sets that up and calls this).

Every abuse runs in a loop of its own until the deadline: idle-connection floods, oversized and dripped
request bodies, stalled log followers under 1 MiB journal entries, reads of a 16 MiB entry, and updates from
a hostile NAS (header bombs, a stalled and an endless sidecar, a dripped package, a package that reaches for
the manager's own directory, one cancelled with DELETE /update) between good updates. Normal clients poll the
API the whole time. The run is cut into rounds (ROUND seconds): abuse for most of each, then a quiet window in
which only normal clients run, at whose end the manager's RSS is read, so that every round is measured at the same
point of its cycle. The run passes when no answer was a 5xx, no normal request failed, every update ended as
expected, the manager never restarted, its fds are back to their start once the abuse stops and its RSS at the
end of the last round is no higher than at the end of the middle one. Writes a Markdown section.
"""
import argparse, gzip, http.client, io, json, os, resource, socket, subprocess, sys, tarfile, threading, time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--nas-port", type=int, required=True)
p.add_argument("--sandbox", required=True, help="hub-sandbox script")
p.add_argument("--sandbox-dir", required=True)
p.add_argument("--demo-hub", required=True)
p.add_argument("--duration", type=float, default=600)
p.add_argument("--report", required=True)
args = p.parse_args()

stop = threading.Event()
abusing = threading.Event()   # set while a round's abuse runs; cleared for its quiet window
ROUND, QUIET = 100, 20
lock = threading.Lock()
answers = Counter()       # (kind, status) -> count
failures = []             # sentences: what went wrong
outcomes = Counter()      # what each abuse achieved
samples = []              # (t, rss_kib, fds, main_pid)
t_start = time.monotonic()


def say(text):
    print(f"soak: {time.monotonic() - t_start:6.0f} s  {text}", file=sys.stderr, flush=True)


def fail(text):
    with lock:
        failures.append(text)
    say("FAIL " + text)


def inside(*command, check=True):
    done = subprocess.run([args.sandbox, "run", args.sandbox_dir, *command], capture_output=True, text=True)
    if check and done.returncode:
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def call(kind, method, path, body=None, timeout=30):
    """One request on a fresh connection; records the status under kind; returns (status, json or None)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=timeout)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
    except OSError as error:
        with lock:
            answers[(kind, "error")] += 1
        if kind == "normal":
            fail(f"{method} {path}: {error}")
        return None, None
    with lock:
        answers[(kind, response.status)] += 1
    if response.status >= 500:
        fail(f"{method} {path} answered {response.status}: {data[:200]!r}")
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, None


def pause(seconds):
    return stop.wait(seconds)


def next_abuse():
    """Waits until abuse is on (a round has begun); False once the run is over."""
    while not stop.is_set():
        if abusing.wait(1):
            return True
    return False


def round_of():
    return int((time.monotonic() - t_start) // ROUND)


def once_a_round(offset, action):
    """Runs ACTION once in every round, OFFSET seconds after the round's abuse begins."""
    done = -1
    while next_abuse():
        if round_of() == done:
            pause(1)
            continue
        done = round_of()
        if not pause(offset):
            action()


# ---- the hostile NAS (File Browser's raw paths are not needed: Nas:Auth=none, plain GETs) -----------------
def tar_header(name, size, typeflag, linkname=b""):
    block = bytearray(512)
    block[0:len(name)] = name
    block[100:108] = b"0000644\0"
    block[108:116] = b"0000000\0"
    block[116:124] = b"0000000\0"
    block[124:136] = b"%011o\0" % size
    block[136:148] = b"%011o\0" % int(time.time())
    block[156:157] = typeflag
    block[157:157 + len(linkname)] = linkname
    block[257:265] = b"ustar  \0"
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def bomb(typeflag, size):
    """A gzipped tar whose first header declares SIZE bytes of metadata (a long name or pax records)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        name = b"././@LongLink" if typeflag == b"L" else b"./PaxHeaders/x"
        gz.write(tar_header(name, size, typeflag))
        chunk = (b"a" * 65536) if typeflag == b"L" else (b"%d path=%s\n" % (65536, b"a" * (65536 - 12)))[:65536]
        for _ in range(size // 65536):
            gz.write(chunk)
        gz.write(b"\0" * 1024)
    return out.getvalue()


def release(version, extra=None):
    """A good release of the demo hub at VERSION (optionally with one more tar member)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for root, _, files in os.walk(args.demo_hub):
            for name in files:
                path = os.path.join(root, name)
                rel = os.path.relpath(path, args.demo_hub)
                data = open(path, "rb").read()
                if rel == "package.json":
                    data = json.dumps(dict(json.loads(data), version=version)).encode()
                info = tarfile.TarInfo(rel)
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
        if extra is not None:
            tar.addfile(extra)
    return out.getvalue()


GOOD = ["2.0.11", "2.0.12"]
hub_manager_dir = tarfile.TarInfo(".hub-manager/txn")
hub_manager_dir.type = tarfile.DIRTYPE
PACKAGES = {v: release(v) for v in GOOD}
PACKAGES["3.0.1"] = bomb(b"L", 64 << 20)          # GNU long name of 64 MiB
PACKAGES["3.0.2"] = bomb(b"x", 128 << 20)         # pax header of 128 MiB
PACKAGES["3.0.6"] = release("3.0.6", hub_manager_dir)
for v in ("3.0.3", "3.0.4", "3.0.5"):
    PACKAGES[v] = release(v)
# What each hostile version does, and the update's expected end.
HOSTILE = {
    "3.0.1": "a 64 MiB GNU long-name header",
    "3.0.2": "a 128 MiB pax header",
    "3.0.3": "a .sha256 sidecar that stalls after its headers",
    "3.0.4": "a .sha256 sidecar chunked without end",
    "3.0.5": "a package dripped a byte every 2 s, cancelled with DELETE /update",
    "3.0.6": "a package with a .hub-manager/ directory entry",
}


class Nas(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_GET(self):
        parts = self.path.strip("/").split("/")   # hub/VERSION/hub-VERSION.tar.gz[.sha256]
        version = parts[1] if len(parts) == 3 else ""
        sidecar = self.path.endswith(".sha256")
        try:
            if sidecar and version == "3.0.3":
                self.send_response(200); self.send_header("Content-Length", "100"); self.end_headers()
                self.wfile.flush(); pause(120)
            elif sidecar and version == "3.0.4":
                self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
                line = b"0" * 65536
                for _ in range(1024):   # at most 64 MiB, unless the manager hangs up first
                    if stop.is_set():
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            elif sidecar or version not in PACKAGES:
                self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
            elif version == "3.0.5":
                body = PACKAGES[version]
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1]); self.wfile.flush()
                    if pause(2):
                        break
            else:
                body = PACKAGES[version]
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
        except OSError:
            pass   # the manager hung up: what it should do


# ---- the abuses ---------------------------------------------------------------------------------------
def normal_clients():
    paths = ["/status", "/version", "/logs?lines=20", "/update", "/health", "/logs?lines=5&format=json"]
    i = 0
    while not stop.is_set():
        call("normal", "GET", paths[i % len(paths)], timeout=10)
        i += 1
        pause(0.05)


def idle_flood():
    held = []
    for _ in range(1100):
        try:
            held.append(socket.create_connection(("127.0.0.1", args.port), timeout=2))
        except OSError:
            outcomes["flood: connections refused"] += 1
    outcomes["flood: connections opened"] += len(held)
    status, _ = call("abuse", "GET", "/status", timeout=5)
    if status == 200:
        outcomes["flood: /status answered during a flood"] += 1
    else:
        fail(f"GET /status with {len(held)} idle connections open: {status}")
    outcomes["flood: rounds"] += 1
    pause(30)
    for s in held:
        s.close()


def bad_bodies():
    while next_abuse() and not pause(15):
        s = socket.create_connection(("127.0.0.1", args.port), timeout=30)
        chunk = b"x" * 8192
        head = b"POST /update HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        try:
            s.sendall(head + b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n")
            status = int(s.recv(4096).split(b" ")[1])
        except (OSError, ValueError, IndexError):
            status = "closed"
        s.close()
        with lock:
            answers[("abuse", status)] += 1
        outcomes[f"80 KiB chunked POST /update: {status}"] += 1
        if isinstance(status, int) and status >= 500:
            fail(f"80 KiB chunked body answered {status}")
        threading.Thread(target=drip_body, daemon=True).start()


def drip_body():
    s = socket.create_connection(("127.0.0.1", args.port), timeout=60)
    status = "closed"
    try:
        s.sendall(b"POST /update HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n")
        s.setblocking(False)
        for _ in range(60):
            try:
                reply = s.recv(4096)
                status = int(reply.split(b" ")[1]) if reply else "closed"
                break
            except BlockingIOError:
                s.send(b" ")
                time.sleep(1)
    except (OSError, ValueError, IndexError):
        pass
    s.close()
    with lock:
        answers[("abuse", status)] += 1
        outcomes[f"body dripped at 1 B/s: {status}"] += 1


JOURNAL_WRITER = r"""
import os, socket, struct, sys, fcntl
# Native journal protocol through a sealed memfd (entries larger than a datagram), as a root daemon writing
# about the hub unit (OBJECT_SYSTEMD_UNIT=), which `journalctl -u` and the manager count as the unit's.
size, count = int(sys.argv[1]), int(sys.argv[2])
for i in range(count):
    message = (b"soak big entry %d " % i).ljust(size, b"z")
    data = b"OBJECT_SYSTEMD_UNIT=ai-hub.service\nSYSLOG_IDENTIFIER=soak\nMESSAGE\n" + struct.pack("<Q", len(message)) + message + b"\n"
    fd = os.memfd_create("entry", os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    fcntl.fcntl(fd, 1033, 1 | 2 | 4 | 8)   # F_ADD_SEALS: seal, shrink, grow, write
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))], 0, "/run/systemd/journal/socket")
    s.close(); os.close(fd)
"""


def followers_and_big_entries():
    stalled = []
    for _ in range(16):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", args.port))
        s.sendall(b"GET /logs?follow=true&lines=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        stalled.append(s)
    inside("python3", "-c", JOURNAL_WRITER, str(1 << 20), "70")
    outcomes["stalled followers: rounds of 16 under 70 × 1 MiB entries"] += 1
    inside("python3", "-c", JOURNAL_WRITER, str(16 << 20), "1")
    readers = [threading.Thread(target=read_big) for _ in range(6)]
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    pause(20)
    for s in stalled:
        s.close()


def read_big():
    status, body = call("abuse", "GET", "/logs?lines=1&grep=soak%20big%20entry", timeout=60)
    if status == 200 and body:
        outcomes[f"16 MiB entry read: {'cut' if len(body['logs']) <= (1 << 20) + 4096 else 'WHOLE'}"] += 1


def wait_update(deadline=180):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        status, body = call("normal", "GET", "/update")
        if body and body.get("state") != "running":
            return body
        time.sleep(0.5)
    return {"state": "still running", "error": f"after {deadline} s"}


def updates():
    hostile = list(HOSTILE)
    good, i = 0, 0
    while next_abuse() and not pause(5):
        if i % 2 == 0:
            version = GOOD[good % 2]; good += 1
            # Alternating, every other one goes back to the lower version: allowed explicitly (#11, no silent downgrades).
            status, _ = call("abuse", "POST", "/update", {"version": version, "force": True, "allowDowngrade": True})
            end = wait_update()
            ok = status == 200 and end.get("state") == "succeeded"
            outcomes[f"good update: {'succeeded' if ok else 'WRONG'}"] += 1
            if not ok:
                fail(f"good update {version}: {status} {end}")
        else:
            version = hostile[(i // 2) % len(hostile)]
            status, _ = call("abuse", "POST", "/update", {"version": version})
            if version == "3.0.5":
                pause(5)
                cancel, _ = call("abuse", "DELETE", "/update")
                outcomes[f"DELETE /update of a dripped package: {cancel}"] += 1
            end = wait_update()
            ok = status == 200 and end.get("state") == "failed" and len(end.get("error") or "") < 1024
            outcomes[f"hostile update ({HOSTILE[version]}): {'failed with a short reason' if ok else 'WRONG'}"] += 1
            if not ok:
                fail(f"hostile update {version}: {status} {str(end)[:300]}")
        i += 1


def sampler():
    while True:
        try:
            out = inside("sh", "-c", 'p=$(systemctl show -P MainPID ai-hub-manager.service); '
                         'echo $p $(awk \'$1=="VmRSS:"{print $2}\' /proc/$p/status) $(ls /proc/$p/fd | wc -l)')
            pid, rss, fds = (int(x) for x in out.split())
            samples.append((time.monotonic() - t_start, rss, fds, pid))
        except (RuntimeError, ValueError):
            pass
        if pause(5):
            return


# ---- the run --------------------------------------------------------------------------------------------
# 1,100 idle connections and everything else at once: more than the default soft limit of 1,024 fds.
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
nas = ThreadingHTTPServer(("127.0.0.1", args.nas_port), Nas)
nas.daemon_threads = True
threading.Thread(target=nas.serve_forever, daemon=True).start()
call("normal", "GET", "/status")
time.sleep(35)   # the journal pool's idle close: the start's fds without pooled handles
first = inside("sh", "-c", 'p=$(systemctl show -P MainPID ai-hub-manager.service); echo $p $(ls /proc/$p/fd | wc -l)').split()
start_pid, start_fds = int(first[0]), int(first[1])
t_start = time.monotonic()
say(f"{args.duration:.0f} s of abuse against the manager (pid {start_pid}, {start_fds} fds)")
workers = [threading.Thread(target=f) for f in (normal_clients, bad_bodies, updates)]
workers += [threading.Thread(target=once_a_round, args=(5, idle_flood)), threading.Thread(target=once_a_round, args=(40, followers_and_big_entries))]
sample_thread = threading.Thread(target=sampler)
for w in workers + [sample_thread]:
    w.start()
round_ends = []   # (round, RSS KiB at the end of its quiet window)
rounds = max(2, int(args.duration // ROUND))
for r in range(rounds):
    abusing.set()
    time.sleep(max(0, t_start + r * ROUND + ROUND - QUIET - time.monotonic()))
    abusing.clear()   # no new abuse; what runs finishes, then only normal clients
    time.sleep(max(0, t_start + (r + 1) * ROUND - time.monotonic()))
    out = inside("sh", "-c", 'p=$(systemctl show -P MainPID ai-hub-manager.service); awk \'$1=="VmRSS:"{print $2}\' /proc/$p/status')
    round_ends.append(int(out.split()[0]))
    say(f"round {r + 1} of {rounds} ends: RSS {round_ends[-1] / 1024:.1f} MiB")
stop.set()
say("stopping the abuse")
for w in workers:
    w.join(300)
sample_thread.join()
duration = time.monotonic() - t_start
time.sleep(35)   # idle again: pooled journal handles closed, connections timed out
end = inside("sh", "-c", 'p=$(systemctl show -P MainPID ai-hub-manager.service); echo $p $(ls /proc/$p/fd | wc -l); '
             'journalctl -u ai-hub-manager.service -p err --no-pager -q | wc -l').split()
end_pid, end_fds, error_lines = int(end[0]), int(end[1]), int(end[2])
if end_pid != start_pid or any(s[3] != start_pid for s in samples):
    fail(f"the manager restarted (pid {start_pid} → {end_pid})")
if end_fds > start_fds:
    fail(f"open fds {start_fds} at the start, {end_fds} once idle again")


idle_rss = int(inside("sh", "-c", 'p=$(systemctl show -P MainPID ai-hub-manager.service); awk \'$1=="VmRSS:"{print $2}\' /proc/$p/status').split()[0])
half, last = round_ends[len(round_ends) // 2 - 1], round_ends[-1]
growth = last - half
if growth > 1024:
    fail(f"RSS at the end of the last round is {growth / 1024:.1f} MiB above the middle round's")
fivexx = sum(n for (kind, status), n in answers.items() if isinstance(status, int) and status >= 500)
normal_ok = sum(n for (kind, status), n in answers.items() if kind == "normal" and status == 200)
normal_bad = sum(n for (kind, status), n in answers.items() if kind == "normal" and status != 200 and status != 404)
peak = max(s[1] for s in samples)
mib = lambda kib: f"{kib / 1024:.1f} MiB"
verdict = "**passed**" if not failures else f"**failed** ({len(failures)} findings)"
lines = [
    "<!-- soak -->",
    "## Abuse soak (`make soak`)",
    "",
    f"{duration / 60:.1f} minutes ({len(round_ends)} rounds of {ROUND} s: abuse, then {QUIET} s of normal traffic only) of the hostile inputs of issue #15 interleaved with normal traffic, against the manager "
    f"as packaged (the shipped unit, `LimitNOFILE=` and all) in a real systemd sandbox; run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
    f"Verdict: {verdict}.",
    "",
    "| figure | value |",
    "|---|---|",
    f"| normal requests (status, version, logs, update, health) | {normal_ok} answered 200, {normal_bad} otherwise |",
    f"| 5xx answers, all requests | {fivexx} |",
    f"| manager restarts | {0 if end_pid == start_pid else 'yes'} (pid {start_pid} throughout) |",
    f"| open fds | {start_fds} at the start → {end_fds} once idle again |",
    f"| RSS at the end of each round's quiet window ({ROUND} s rounds) | {', '.join(mib(v) for v in round_ends)} |",
    f"| RSS over the second half (end of the last round − end of round {len(round_ends) // 2}) | {growth / 1024:+.1f} MiB |",
    f"| RSS | {mib(samples[0][1])} at the start, peak {mib(peak)} (sampled every 5 s), {mib(idle_rss)} once idle again |",
    f"| error-level lines in the manager's journal | {error_lines} |",
]
for what, n in sorted(outcomes.items()):
    lines.append(f"| {what} | {n} |")
if failures:
    lines += ["", "Findings:", ""] + [f"- {f}" for f in failures[:20]]
lines.append("<!-- /soak -->")
open(args.report, "w").write("\n".join(lines) + "\n")
say(verdict)
sys.exit(1 if failures else 0)
