"""A private X display for one benchmark run (Xvfb on the first free number from `first`).
Shared by the benchmarks that start Purser's window."""
import os
import subprocess
import time


def start_xvfb(first=120, last=260):
    """Starts Xvfb on a free display; answers (":N", the Xvfb process)."""
    for number in range(first, last):
        if os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(200):
            if os.path.exists(f"/tmp/.X11-unix/X{number}"):
                return f":{number}", xvfb
            if xvfb.poll() is not None:
                break
            time.sleep(0.02)
        if xvfb.poll() is None:
            xvfb.kill()
    raise RuntimeError("no free X display")
