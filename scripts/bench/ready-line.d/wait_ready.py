#!/usr/bin/env python3
"""Wait for the tiny guest's ready line on a libvirt domain's serial console.

    wait_ready.py DOMAIN HOSTNAME TIMEOUT_SECONDS [LOGFILE]

Waits until DOMAIN runs, attaches `virsh console --force` (the libvirt console stream) on a pseudo-terminal of its
own, and reads until a line `CLOUDPORTAL-READY hostname=HOSTNAME ...` appears. Prints the wall clock in epoch
milliseconds at which the line was read and the line itself, tab separated; exit 1 on timeout (console kept in
LOGFILE). The console is attached as soon as the domain runs: the guest needs seconds to reach its boot loader,
and QEMU drops output nobody reads, so attaching later would miss the line.
"""
import os
import pty
import re
import select
import subprocess
import sys
import time

domain, hostname, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
logfile = sys.argv[4] if len(sys.argv) > 4 else None
deadline = time.monotonic() + timeout
virsh = ["virsh", "-q", "-c", "qemu:///system"]
ready = re.compile(r"CLOUDPORTAL-READY hostname=" + re.escape(hostname) + r"(\s|$)")

while True:
    state = subprocess.run(virsh + ["domstate", domain], capture_output=True, text=True).stdout.strip()
    if state.startswith("running"):
        break
    if time.monotonic() > deadline:
        print(f"{domain} not running within {timeout:.0f} s (state '{state}')", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.05)

master, slave = pty.openpty()
console = subprocess.Popen(virsh + ["console", "--force", domain], stdin=slave, stdout=slave, stderr=slave,
                           close_fds=True, start_new_session=True)
os.close(slave)
seen = bytearray()
found = None
try:
    while found is None and time.monotonic() < deadline:
        readable, _, _ = select.select([master], [], [], 0.5)
        if not readable:
            if console.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # Complete lines only: the time is taken when the whole ready line has arrived.
        text = seen.decode("utf-8", "replace")
        for line in text[:text.rfind("\n") + 1].splitlines():
            if ready.search(line):
                found = (int(time.time() * 1000), line[line.index("CLOUDPORTAL-READY"):].strip())
                break
finally:
    console.terminate()
    try:
        console.wait(5)
    except subprocess.TimeoutExpired:
        console.kill()
    os.close(master)
    if logfile:
        with open(logfile, "wb") as f:
            f.write(seen)

if found is None:
    print(f"no ready line for {hostname} on {domain} within {timeout:.0f} s", file=sys.stderr)
    sys.exit(1)
print(f"{found[0]}\t{found[1]}")
