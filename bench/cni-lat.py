#!/usr/bin/env python3
"""bench/cni-lat.py DIR NODE_NS N CONC: CNI chain latency for one plugin directory.

Runs bridge (isGateway, ipMasq, host-local /16) then portmap (one published port
per pod) the way a runtime does (env + config on stdin, prevResult), for N pods
in a row, then DEL in reverse order, then CONC ADDs started at the same moment.
The process enters NODE_NS's network namespace once (setns) and spawns each
plugin directly, so the numbers are the plugins' own cost, not `ip netns exec`'s.
Prints one JSON object.
"""
import ctypes, json, os, socket, statistics, struct, subprocess, sys, tempfile, threading, time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def dellink_timed(idx, seq):
    """RTM_DELLINK of ifindex idx: (ms until the kernel announces the link gone
    on RTNLGRP_LINK, ms until its ACK). The announcement comes once the pair is
    unregistered (unlisted, addresses and routes gone); the ACK only after the
    kernel's RCU wait for it (netdev_run_todo), which the caller sits out."""
    mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        mon.bind((0, 1))  # RTNLGRP_LINK
        mon.settimeout(5)
        # nlmsghdr(RTM_DELLINK=17, NLM_F_REQUEST|NLM_F_ACK) + ifinfomsg(index)
        msg = struct.pack("=LHHLL", 32, 17, 0x5, seq, 0) + struct.pack("=BxHiII", 0, 0, idx, 0, 0)
        out = {}

        def delete():
            sk.send(msg)
            ack = sk.recv(4096)
            out["ack"] = time.perf_counter()
            out["err"] = struct.unpack_from("=i", ack, 16)[0]
        t = time.perf_counter()
        th = threading.Thread(target=delete)
        th.start()
        while "gone" not in out:
            d = mon.recv(65536)
            off = 0
            while off + 24 <= len(d):
                ln, typ = struct.unpack_from("=LH", d, off)
                if typ == 17 and struct.unpack_from("=i", d, off + 20)[0] == idx:
                    out["gone"] = time.perf_counter()
                off += (ln + 3) & ~3
                if ln == 0:
                    break
        th.join()
        if out["err"] != 0:
            raise SystemExit("RTM_DELLINK of ifindex %d failed: %d" % (idx, out["err"]))
        return (out["gone"] - t) * 1000, (out["ack"] - t) * 1000
    finally:
        mon.close()
        sk.close()


def floors(call_env):
    """What no plugin can go below here: spawning an empty static binary the way
    call() spawns a plugin, and the kernel's RTM_DELLINK of a bridged veth pair
    (the RCU waits of unregistering a device), both in this run. For the
    latter also when the kernel announces the pair gone, well before it lets
    the caller go."""
    out = {}
    fb = os.environ.get("FLOOR_BIN")
    if fb:
        xs = []
        for _ in range(40):
            t = time.perf_counter()
            subprocess.run([fb], input=b"{}", env=call_env(), capture_output=True)
            xs.append((time.perf_counter() - t) * 1000)
        out["spawn"] = statistics.median(xs)
    gone, acks = [], []
    for k in range(10):
        a = "pfl%da" % k
        subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", "pfl%db" % k],
                       check=True)
        subprocess.run(["ip", "link", "set", a, "master", "latbr0", "up"], check=True)
        g, ack = dellink_timed(socket.if_nametoindex(a), k + 1)
        gone.append(g)
        acks.append(ack)
    out["veth_del"] = statistics.median(acks)
    out["veth_gone"] = statistics.median(gone)
    return out


def main():
    d, node, n, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = tempfile.mkdtemp(prefix="plumb-bench-")
    net = {"cniVersion": "1.0.0", "name": "lat"}
    bridge = dict(net, type="bridge", bridge="latbr0", isGateway=True, ipMasq=True,
                  ipam={"type": "host-local", "dataDir": data,
                        "ranges": [[{"subnet": "10.207.0.0/16"}]],
                        "routes": [{"dst": "0.0.0.0/0"}]})
    pods = ["%s-p%d" % (node, i) for i in range(n + conc)]
    for p in pods:
        subprocess.run(["ip", "netns", "add", p], check=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns("/run/netns/" + node)
    path = os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")

    def call(plugin, cmd, i, conf):
        env = {"PATH": path, "CNI_COMMAND": cmd, "CNI_CONTAINERID": "c%d" % i,
               "CNI_NETNS": "/run/netns/" + pods[i], "CNI_IFNAME": "eth0", "CNI_PATH": d}
        t = time.perf_counter()
        r = subprocess.run([os.path.join(d, plugin)], input=json.dumps(conf).encode(),
                           env=env, capture_output=True)
        dt = (time.perf_counter() - t) * 1000
        if r.returncode:
            raise SystemExit("%s %s %d failed: %s" % (plugin, cmd, i, r.stdout.decode()))
        return dt, r.stdout

    def portmap(i, prev):
        return dict(net, type="portmap", prevResult=prev, runtimeConfig={
            "portMappings": [{"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}]})

    def add(i):
        t1, out = call("bridge", "ADD", i, bridge)
        prev = json.loads(out)
        t2, _ = call("portmap", "ADD", i, portmap(i, prev))
        return t1, t2, prev

    def delete(i, prev):
        t2, _ = call("portmap", "DEL", i, portmap(i, prev))
        t1, _ = call("bridge", "DEL", i, bridge)
        return t1, t2

    res = {"dir": d, "n": n}
    adds, prevs = [], {}
    for i in range(n):
        t1, t2, prevs[i] = add(i)
        adds.append((t1, t2))
    dels = [delete(i, prevs[i]) for i in range(n)]

    def stats(xs):
        xs = sorted(xs)
        return {"median": statistics.median(xs), "p95": xs[max(0, int(len(xs) * 0.95) - 1)]}

    res["bridge_add"] = stats([a for a, _ in adds])
    res["portmap_add"] = stats([b for _, b in adds])
    res["chain_add"] = stats([a + b for a, b in adds])
    res["bridge_del"] = stats([a for a, _ in dels])
    res["portmap_del"] = stats([b for _, b in dels])
    res["chain_del"] = stats([a + b for a, b in dels])
    k = min(20, n)
    res["chain_add_first"] = statistics.median([a + b for a, b in adds[:k]])
    res["chain_add_last"] = statistics.median([a + b for a, b in adds[-k:]])

    lat, cprev, errs = [None] * conc, [None] * conc, []
    gate = threading.Barrier(conc)

    def worker(j):
        i = n + j
        gate.wait()
        t = time.perf_counter()
        try:
            cprev[j] = add(i)[2]
            lat[j] = (time.perf_counter() - t) * 1000
        except SystemExit as e:
            errs.append(str(e))
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(j,)) for j in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res["concurrent"] = {"n": conc, "ok": conc - len(errs), "wall": (time.perf_counter() - t0) * 1000,
                         "median": statistics.median([x for x in lat if x is not None] or [0]),
                         "errors": errs[:3]}
    for j in range(conc):
        if cprev[j] is not None:
            try:
                delete(n + j, cprev[j])
            except SystemExit:
                pass
    res["floor"] = floors(call_env=lambda: {"PATH": path, "CNI_COMMAND": "VERSION"})
    if libc.setns(home, CLONE_NEWNET) != 0:
        raise SystemExit("cannot return to the starting namespace")
    for p in pods:
        subprocess.run(["ip", "netns", "del", p])
    subprocess.run(["rm", "-rf", data])
    print(json.dumps(res))


main()
