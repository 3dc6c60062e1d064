#!/usr/bin/env python3
"""dns-raw.py — tiny DNS client for the plumb-dns netns tests (no dependencies).

  dns-raw.py ctl SOCK JSON            send one control request, print the reply line
                                      (JSON "-": one request per line of stdin)
  dns-raw.py pid SOCK                 print the daemon's pid (from ping)
  dns-raw.py raw ADDR HEX             send raw bytes over UDP, print the reply's rcode
                                      ("FORMERR", "NOERROR"...) or "noreply" after 1 s
  dns-raw.py rawtcp ADDR HEX          the same over TCP (HEX is the whole stream, length
                                      prefixes included): the first reply's rcode,
                                      "closed" or "noreply"
"""
import json, socket, sys

RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"]


def ctl(path, line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(line.encode() + b"\n")
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n")[0].decode()


def raw(addr, data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.sendto(data, (addr, 53))
    try:
        r = s.recv(65536)
    except socket.timeout:
        return "noreply"
    if len(r) < 12:
        return "short"
    rc = r[3] & 0xF
    return RCODES[rc] if rc < len(RCODES) else str(rc)


def rawtcp(addr, data):
    s = socket.create_connection((addr, 53), timeout=2)
    s.sendall(data)
    buf = b""
    try:
        while len(buf) < 2 or len(buf) < 2 + int.from_bytes(buf[:2], "big"):
            chunk = s.recv(65536)
            if not chunk:
                return "closed"
            buf += chunk
    except socket.timeout:
        return "noreply"
    r = buf[2:]
    rc = r[3] & 0xF
    return RCODES[rc] if rc < len(RCODES) else str(rc)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "ctl":
        lines = sys.stdin.read().splitlines() if sys.argv[3] == "-" else [sys.argv[3]]
        ok = True
        for line in lines:
            reply = ctl(sys.argv[2], line)
            print(reply)
            ok = ok and json.loads(reply).get("ok")
        sys.exit(0 if ok else 1)
    elif cmd == "pid":
        print(json.loads(ctl(sys.argv[2], '{"cmd":"ping"}'))["pid"])
    elif cmd == "raw":
        print(raw(sys.argv[2], bytes.fromhex(sys.argv[3])))
    elif cmd == "rawtcp":
        print(rawtcp(sys.argv[2], bytes.fromhex(sys.argv[3])))
    else:
        sys.exit(__doc__)
