#!/usr/bin/env python3
"""Client for the svc tests: real TCP connections through a service.

  svc-client.py probe HOST PORT     one connection: "ok NAME", "refused", "timeout", "error X"
  svc-client.py count HOST PORT N   N connections, one line "NAME COUNT" per answer
                                     (failures counted as "!refused", "!timeout", ...)
  svc-client.py udp HOST PORT       one datagram: "refused" (ICMP port unreachable) or "silent"
  svc-client.py serve PORT          answer every connection with the local address it
                                     reached (one process serves many endpoint addresses)
Each backend answers HTTP with its own name (busybox httpd). Every connection
is bounded by a 2 s timeout, the whole run by N x 2 s.
"""
import socket
import sys


def one(host, port):
    try:
        s = socket.create_connection((host, port), timeout=2)
    except ConnectionRefusedError:
        return "!refused"
    except socket.timeout:
        return "!timeout"
    except OSError as e:
        return "!error-%d" % e.errno
    try:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        return "!timeout"
    except OSError as e:
        return "!error-%d" % e.errno
    finally:
        s.close()
    body = data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace").strip()
    return body or "!empty"


def serve(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(512)
    while True:
        c, _ = ls.accept()
        try:
            c.settimeout(2)
            c.recv(4096)
            c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + c.getsockname()[0].encode() + b"\n")
        except OSError:
            pass
        c.close()


def udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, port))
    try:
        s.send(b"x")
        s.recv(512)
        return "answered"
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "silent"


def main():
    if sys.argv[1] == "udp":
        print(udp(sys.argv[2], int(sys.argv[3])))
        return
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
        return
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == "probe":
        r = one(host, port)
        print(r[1:] if r.startswith("!") else "ok " + r)
        return
    counts = {}
    for _ in range(int(sys.argv[4])):
        r = one(host, port)
        counts[r] = counts.get(r, 0) + 1
    for k in sorted(counts):
        print(k, counts[k])


if __name__ == "__main__":
    main()
