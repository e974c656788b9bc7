#!/usr/bin/python3
"""Print one field of a JSON document: jsonq.py FILE PATH [DEFAULT].

FILE is read whole; when it does not parse (a program may print log lines
around its JSON), its last line that is a JSON object is used. PATH is
dot-separated (a number indexes an array); "." is the whole document.
Strings print raw, anything else as compact JSON. Exits 1 when the path is
missing and no DEFAULT is given, 2 when there is no JSON at all.
"""
import json
import sys


def load(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    sys.exit(2)


def main():
    doc = load(sys.argv[1])
    path = sys.argv[2] if len(sys.argv) > 2 else "."
    cur = doc
    if path != ".":
        for part in path.split("."):
            try:
                if isinstance(cur, list):
                    cur = cur[int(part)]
                else:
                    cur = cur[part]
            except (KeyError, IndexError, ValueError, TypeError):
                if len(sys.argv) > 3:
                    print(sys.argv[3])
                    return
                sys.exit(1)
    if isinstance(cur, str):
        print(cur)
    else:
        print(json.dumps(cur, separators=(",", ":")))


if __name__ == "__main__":
    main()
