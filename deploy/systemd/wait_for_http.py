"""Wait until an address answers 200: `python wait_for_http.py URL [SECONDS]` (stdlib only).

willkommen-rasa@.service runs it as ExecStartPost, so an instance counts as started once its model is
loaded and its port answers (the second instance is ordered after the first). Exit 0 when the address
answered 200, 1 when the time ran out.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request


def wait(url: str, seconds: float, interval: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (an http URL from the unit file)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2 or not argv[0].startswith(("http://", "https://")):
        print("usage: wait_for_http.py URL [SECONDS]", file=sys.stderr)
        return 2
    seconds = float(argv[1]) if len(argv) == 2 else 600.0
    if wait(argv[0], seconds):
        return 0
    print(f"{argv[0]} did not answer 200 within {seconds:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
