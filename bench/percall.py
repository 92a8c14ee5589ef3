"""bench/percall.py: the Python baseline for one retrieve: requests.Session
(the official SDK's transport) doing the same POST and decoding the JSON.

Usage: python3 bench/percall.py N URL REQUEST_BODY_FILE [USER_AGENT [ACCEPT_ENCODING]]
USER_AGENT and ACCEPT_ENCODING are the SDK's, so that the wire is the same
("none": no compressed answer asked for, as the SDK for one object).
One warm-up call, then N calls; prints "calls: N" and "cpu_s: <seconds>".
"""
import sys
import time

import requests

n, url, body_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
user_agent = sys.argv[4] if len(sys.argv) > 4 else None
accept_encoding = sys.argv[5] if len(sys.argv) > 5 else None
with open(body_file, "rb") as f:
    body = f.read()
session = requests.Session()
session.headers.update({"Content-Type": "application/json", "Accept": "application/json",
                        "Authorization": "sandbox-key-0123456789"})
if user_agent:
    session.headers["User-Agent"] = user_agent
if accept_encoding:
    # "identity" is what no Accept-Encoding means
    session.headers["Accept-Encoding"] = "identity" if accept_encoding == "none" else accept_encoding


def call():
    r = session.post(url, data=body)
    r.raise_for_status()
    return r.json()


assert call()["data"]["get_job"]["outputs"]
t0 = time.process_time()
for _ in range(n):
    call()
print(f"calls: {n}\ncpu_s: {time.process_time() - t0:.6f}")
