#!/usr/bin/python3
"""Write a variant of a shipped function config for a test.

fnconf.py SRC.json DEST.json DATA_DIR [--network N] [--port P]...
          [--set K=V]... [--unset K] [--read PATH]...
Replaces ${SLUICE_DATA_DIR} with DATA_DIR everywhere (as the host would),
then sets or removes Environment.Variables, sets Network and the TCP
ports that Network "loopback" may connect to, and adds Paths.read entries.
"""
import argparse
import json


def subst(v, data):
    if isinstance(v, str):
        return v.replace("${SLUICE_DATA_DIR}", data)
    if isinstance(v, list):
        return [subst(x, data) for x in v]
    if isinstance(v, dict):
        return {k: subst(x, data) for k, x in v.items()}
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("data")
    ap.add_argument("--network")
    ap.add_argument("--port", action="append", type=int, default=[])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--unset", action="append", default=[])
    ap.add_argument("--read", action="append", default=[])
    ap.add_argument("--keep-vars", action="store_true",
                    help="leave ${SLUICE_DATA_DIR} for the host to expand")
    a = ap.parse_args()
    with open(a.src) as f:
        conf = json.load(f)
    if not a.keep_vars:
        conf = subst(conf, a.data)
    env = conf.setdefault("Environment", {}).setdefault("Variables", {})
    for kv in a.set:
        k, _, v = kv.partition("=")
        env[k] = v
    for k in a.unset:
        env.pop(k, None)
    if a.network:
        conf["Network"] = a.network
    if a.port:
        conf["Ports"] = a.port
    if a.read:
        paths = conf.setdefault("Paths", {})
        paths["read"] = paths.get("read", []) + a.read
    with open(a.dest, "w") as f:
        json.dump(conf, f, indent=2)


if __name__ == "__main__":
    main()
