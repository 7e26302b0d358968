"""Summarizes a callgrind profile: total instructions, self cost grouped by crate (or libc
family), and the top functions by self and by inclusive cost. Used by benches/profile.

    python3 benches/cg_summary.py callgrind.out [TOP]
"""

import re
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?):(.*?)(?: \[(.*)\])?$")


def rows(path, inclusive):
    args = ["callgrind_annotate", "--threshold=100"]
    if inclusive:
        args.append("--inclusive=yes")
    text = subprocess.run(args + [path], capture_output=True, text=True, check=True).stdout
    total = None
    out = []
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if m:
            out.append((int(m.group(1).replace(",", "")), m.group(2), m.group(3)))
    return total, out


def group(file, fn):
    if "malloc" in file or fn in ("malloc", "free", "realloc", "calloc") or fn.startswith("_int_"):
        return "libc malloc/free"
    if file.startswith("./string") or "memcpy" in fn or "memmove" in fn or "memcmp" in fn or "memchr" in fn or "strlen" in fn:
        return "libc mem*/str*"
    name = fn.lstrip("<&*").replace("mut ", "").replace("dyn ", "")
    head = re.split(r"::|<| as ", name, maxsplit=1)[0]
    if head in ("__rustc", "__rust_alloc", "__rust_dealloc", "__rust_realloc", "__rdl_alloc"):
        return "libc malloc/free"
    if head in ("core", "alloc", "std") and "fmt" in name.split(" as ")[0]:
        return head + "::fmt"
    return head or fn


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    total, selfs = rows(path, False)
    groups = defaultdict(int)
    for ir, file, fn in selfs:
        groups[group(file, fn)] += ir
    print("total: {:,} instructions".format(total))
    print("\nself cost by crate:")
    for g, ir in sorted(groups.items(), key=lambda x: -x[1])[:15]:
        print("  {:>6.2f}%  {:>14,}  {}".format(100 * ir / total, ir, g))
    print("\ntop functions, self cost:")
    for ir, file, fn in sorted(selfs, key=lambda x: -x[0])[:top]:
        print("  {:>6.2f}%  {}".format(100 * ir / total, fn[:150]))
    _, incl = rows(path, True)
    print("\ntop jitsi_topology functions, inclusive cost:")
    n = 0
    for ir, file, fn in sorted(incl, key=lambda x: -x[0]):
        if "jitsi_topology" in fn and "report::" not in fn:
            print("  {:>6.2f}%  {}".format(100 * ir / total, fn[:150]))
            n += 1
            if n >= top:
                break


if __name__ == "__main__":
    main()
