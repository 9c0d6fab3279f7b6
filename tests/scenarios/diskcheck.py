"""diskcheck.py - the host's view of a file-system disk after a scenario (scenarios.py).

A program that leaves files prints what it believes is on the disk:
    FILEVERSIONS PATH V1 V2 ...       every version of PATH
    FILECHECK PATH;V SIZE CRC32       one version's size and CRC-32 (hex)
    FILEPATTERN PATH;V SIZE TAG       every 4 KiB page p holds apps/vmap.c's pattern for TAG
The host then checks the image with the project's own tool (build/tools/qfs, the same core
code the kernel runs): `qfs fsck` passes, `qfs ls` lists exactly those versions of each
reported file, and `qfs get` of each version has that size and CRC.
"""
import os
import re
import struct
import subprocess
import zlib

MKDISK = "tests/lib/mkdisk.sh"


def qfs_tool(build):
    return os.path.join(build, "tools", "qfs")


def make_disk(build, img, elfs, size="64M"):
    """A fresh image with every program as bin/NAME; True when it was made."""
    return subprocess.run(["bash", MKDISK, qfs_tool(build), img, size] + elfs).returncode == 0


QIMG = "tests/fs/lib/qimg.py"


def sha256(path):
    import hashlib
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def prepare(build, img, what):
    """Damage a fresh image for a scenario. "rollback": file f gets versions "one" and "two",
    then the newest root record is damaged (mount must fall back a generation). The image's
    hash is kept beside it (IMG.sha256) for check_prepared. True when it was done."""
    if what != "rollback":
        return False
    tmp = img + ".v"
    ok = True
    for text in ("one", "two"):
        open(tmp, "w").write(text)
        ok = ok and subprocess.run([qfs_tool(build), "put", img, tmp, "f"], capture_output=True).returncode == 0
    os.remove(tmp)
    slot = subprocess.run(["python3", QIMG, img, "newest-slot"], capture_output=True, text=True).stdout.strip()
    ok = ok and slot.isdigit() and subprocess.run(["python3", QIMG, img, "flip", slot, "700"]).returncode == 0
    open(img + ".sha256", "w").write(sha256(img))
    return ok


def check_prepared(build, img, what):
    """After a run on a prepared image: for "rollback", the kernel wrote nothing (the image
    is byte for byte as prepared) and fsck still reports the rollback (exit status 3)."""
    untouched = open(img + ".sha256").read() == sha256(img)
    fsck = subprocess.run([qfs_tool(build), "fsck", img], capture_output=True, text=True)
    return [("disk-untouched", untouched, "the kernel changed a rolled-back image"),
            ("disk-still-rolled-back", fsck.returncode == 3 and "ROLLED BACK" in fsck.stdout,
             f"fsck exit {fsck.returncode}: {(fsck.stdout + fsck.stderr).strip()[-200:]}")]


def listed_versions(build, img, path):
    """The version numbers `qfs ls IMG PATH` shows for a file."""
    out = subprocess.run([qfs_tool(build), "ls", img, path], capture_output=True, text=True).stdout
    name = re.escape(os.path.basename(path))
    return sorted(int(m.group(1)) for m in re.finditer(rf"^{name};(\d+)\s", out, re.M))


def check(build, img, log):
    """[(check name, ok, detail)] for the image after the run logged in LOG."""
    out = []
    fsck = subprocess.run([qfs_tool(build), "fsck", img], capture_output=True, text=True)
    out.append(("disk-fsck", fsck.returncode == 0, (fsck.stdout + fsck.stderr).strip()[-200:]))
    reported = re.findall(r"^FILEVERSIONS (\S+)((?: \d+)*)\s*$", log, re.M)
    out.append(("disk-reported", bool(reported) or "FILEPATTERN " in log,
                "the program reported no FILEVERSIONS or FILEPATTERN line"))
    for path, vs in reported:
        want = sorted(int(v) for v in vs.split())
        got = listed_versions(build, img, path)
        out.append((f"disk-versions:{path}", want == got, f"program {want}, qfs ls {got}"))
    for path, size, crc in re.findall(r"^FILECHECK (\S+) (\d+) ([0-9a-f]{8})\s*$", log, re.M):
        data = subprocess.run([qfs_tool(build), "get", img, path], capture_output=True).stdout
        ok = len(data) == int(size) and f"{zlib.crc32(data):08x}" == crc
        out.append((f"disk-contents:{path}", ok, f"{len(data)} bytes crc {zlib.crc32(data):08x}, "
                    f"program said {size} bytes crc {crc}"))
    for path, size, tag in re.findall(r"^FILEPATTERN (\S+) (\d+) (\d+)\s*$", log, re.M):
        data = subprocess.run([qfs_tool(build), "get", img, path], capture_output=True).stdout
        bad = pattern_mismatch(data, int(size), int(tag))
        out.append((f"disk-pattern:{path}", bad is None, bad or "every block as written"))
    return out


def pattern_page(tag, page):
    """Page `page` as apps/vmap.c writes it with `tag`: word i is (tag << 40) ^ (page << 12) ^ i."""
    return struct.pack("<512Q", *[(tag << 40) ^ (page << 12) ^ i for i in range(512)])


def pattern_mismatch(data, size, tag):
    """None when data is `size` bytes of the pattern, else what differs."""
    if len(data) != size:
        return f"{len(data)} bytes, the program said {size}"
    for page in range(size // 4096):
        if data[page * 4096:(page + 1) * 4096] != pattern_page(tag, page):
            return f"block {page} differs from the pattern of tag {tag:#x}"
    return None
