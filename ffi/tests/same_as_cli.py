"""The C ABI's manifest is the CLI's: the same manifest.json once each file's `content` is
taken out, and every `content` is the file the CLI wrote beside it.

usage: python3 same_as_cli.py C_OUTPUT.json CLI_OUT_DIR
"""

import json
import pathlib
import sys


def main() -> int:
    from_c = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = pathlib.Path(sys.argv[2])
    from_cli = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = 0
    for host in from_c["hosts"]:
        for f in host["files"]:
            content = f.pop("content")
            on_disk = (out / host["name"] / f["path"].lstrip("/")).read_text(encoding="utf-8")
            assert content == on_disk, f"{host['name']}:{f['path']} differs from the CLI's"
            files += 1
    assert from_c == from_cli, "the manifest differs from the CLI's manifest.json"
    print(f"same_as_cli: {len(from_c['hosts'])} hosts, {files} files, identical to the CLI's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
