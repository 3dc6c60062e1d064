#!/usr/bin/env python3
"""The peers' service workload (../shared/peers/svc/gen.py: service i has
ClusterIP 10.96.0.0+1+i:80, 10 endpoints in 10.203.128.0/17:8080, every 5th a
NodePort) as Kubernetes-shaped JSON for plumb-svc / `netctl svc apply`.

  svc-gen.py list S            -> stdout: one List of S Services and S EndpointSlices
  svc-gen.py dir S DIR         -> DIR/services.json (List of Services), DIR/slice-<i>.json
  svc-gen.py slice I GEN [ONE] -> stdout: service I's slice, endpoints of generation GEN
                                  (ONE=1: only endpoint 0 from GEN, the rest from 0)
The Svc class is imported from the peers' generator, so both sides get the
same addresses.
"""
import json
import os
import sys

PEERS = os.environ.get("PEERS_SVC", "/work/shared/peers/svc")
sys.path.insert(0, os.path.abspath(PEERS))
from gen import Svc  # noqa: E402

E = 10


def service(s):
    port = {"name": "http", "protocol": "TCP", "port": s.port, "targetPort": 8080}
    spec = {"type": "ClusterIP", "clusterIP": s.cip, "ports": [port]}
    if s.np:
        spec["type"] = "NodePort"
        port["nodePort"] = s.np
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": s.name, "namespace": s.ns}, "spec": spec}


def slice_(s, eps):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": s.name + "-abcde", "namespace": s.ns,
                         "labels": {"kubernetes.io/service-name": s.name}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "protocol": "TCP", "port": 8080}],
            "endpoints": [{"addresses": [e["ip"]], "conditions": {"ready": True}} for e in eps]}


def main():
    cmd = sys.argv[1]
    if cmd == "list":
        S = int(sys.argv[2])
        svcs = [Svc(i, E) for i in range(S)]
        items = [service(s) for s in svcs] + [slice_(s, s.eps) for s in svcs]
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
    elif cmd == "dir":
        S, d = int(sys.argv[2]), sys.argv[3]
        svcs = [Svc(i, E) for i in range(S)]
        with open(os.path.join(d, "services.json"), "w") as f:
            json.dump({"kind": "List", "items": [service(s) for s in svcs]}, f)
        for s in svcs:
            with open(os.path.join(d, "slice-%d.json" % s.i), "w") as f:
                json.dump(slice_(s, s.eps), f)
    elif cmd == "slice":
        i, g = int(sys.argv[2]), int(sys.argv[3])
        one = len(sys.argv) > 4 and sys.argv[4] == "1"
        eps = Svc(i, E, g).eps
        if one:
            eps = [eps[0]] + Svc(i, E, 0).eps[1:]
        json.dump(slice_(Svc(i, E), eps), sys.stdout)


if __name__ == "__main__":
    main()
