#!/usr/bin/env python3
"""qimg.py - locate and damage blocks of a qfs image for the tool tests (white-box,
layout from specs/fs-format.md). usage:
  qimg.py IMAGE newest-slot        block number of the newest valid root record
  qimg.py IMAGE active-bitmap      first block of the newest root's bitmap area
  qimg.py IMAGE inode INO          block of the newest INODE block of inode INO
  qimg.py IMAGE flip BLOCK OFFSET  xor byte OFFSET of BLOCK with 0x01
"""
import struct
import sys

BS = 4096


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 & -(c & 1))
        t.append(c)
    return t


TABLE = _table()
META = (b'QPTR', b'QINO', b'QDIR', b'QROT')


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def block(img, n):
    return img[n * BS:(n + 1) * BS]


def valid(blk, magic, n):
    if blk[0:4] != magic or struct.unpack_from('<Q', blk, 8)[0] != n:
        return False
    z = blk[:4] + b'\0\0\0\0' + blk[8:]
    return crc32c(z) == struct.unpack_from('<I', blk, 4)[0]


def newest_root(img):
    best = None
    for slot in range(1, 9):
        b = block(img, slot)
        if valid(b, b'QROT', slot):
            gen = struct.unpack_from('<Q', b, 32)[0]
            if best is None or gen > best[0]:
                best = (gen, slot, b)
    return best


def seal(img, n):
    b = block(img, n)
    z = b[:4] + b'\0\0\0\0' + b[8:]
    struct.pack_into('<I', img, n * BS + 4, crc32c(z))


def fix_ptr(img, at):
    t = struct.unpack_from('<Q', img, at)[0]
    if 0 < t < len(img) // BS and img[t * BS:t * BS + 4] in META:
        struct.pack_into('<I', img, at + 8, struct.unpack_from('<I', img, t * BS + 4)[0])


def fix_crcs(img, keep=()):
    """Recompute every pointer crc that leads to a metadata block, and every
    metadata header crc, bottom-up (a crafted but checksum-consistent image)."""
    metas = [n for n in range(len(img) // BS) if img[n * BS:n * BS + 4] in META]
    for _ in range(8):
        for n in metas:
            o, m = n * BS, img[n * BS:n * BS + 4]
            if m == b'QPTR':
                for i in range(254):
                    if o + 32 + 16 * i not in keep:
                        fix_ptr(img, o + 32 + 16 * i)
            elif m == b'QINO':
                for i in range(struct.unpack_from('<H', img, o + 42)[0]):
                    if o + 96 + 40 * i + 24 not in keep:
                        fix_ptr(img, o + 96 + 40 * i + 24)
            elif m == b'QROT':
                fix_ptr(img, o + 40)
            seal(img, n)


def newest_inode(img, ino):
    best = None
    for n in range(len(img) // BS):
        b = block(img, n)
        if b[0:4] == b'QINO' and struct.unpack_from('<Q', b, 32)[0] == ino \
                and valid(b, b'QINO', n):
            gen = struct.unpack_from('<Q', b, 16)[0]
            if best is None or gen > best[0]:
                best = (gen, n)
    return best[1]


def point_data_at_metadata(path, ino=2):
    """Inode ino has two versions of depth 2 with their own PTR blocks: point the first
    data pointer of the newer version at the older version's first level-1 PTR block,
    with the crc a data pointer holds (crcs above made consistent)."""
    with open(path, 'rb') as f:
        img = bytearray(f.read())
    o = newest_inode(img, ino) * BS
    vs = [o + 96 + 40 * i for i in range(struct.unpack_from('<H', img, o + 42)[0])]
    assert len(vs) >= 2 and img[vs[0] + 4] == 2 and img[vs[-1] + 4] == 2, 'want two deep versions'
    l1 = [struct.unpack_from('<Q', img, struct.unpack_from('<Q', img, v + 24)[0] * BS + 32)[0]
          for v in (vs[0], vs[-1])]
    assert l1[0] != l1[1]
    at = l1[1] * BS + 32
    old = struct.unpack_from('<Q', img, at)[0]
    struct.pack_into('<QI', img, at, l1[0], crc32c(block(img, l1[0])))
    fix_crcs(img, keep=(at,))
    free_block(img, old)
    with open(path, 'wb') as f:
        f.write(img)


def free_block(img, blk):
    """Clear blk in the newest root's free map; fix used, bmap_crc and the crcs."""
    gen, slot, root = newest_root(img)
    nblocks = struct.unpack_from('<Q', img, 56)[0]
    m = (nblocks + 32511) // 32512
    start = 9 + m * root[53]
    b = start + blk // 32512
    img[b * BS + 32 + (blk % 32512) // 8] &= ~(1 << (blk % 8)) & 0xFF
    seal(img, b)
    pay = b''.join(bytes(img[(start + i) * BS + 32:(start + i + 1) * BS]) for i in range(m))
    o = slot * BS
    struct.pack_into('<Q', img, o + 64, struct.unpack_from('<Q', img, o + 64)[0] - 1)
    struct.pack_into('<I', img, o + 72, crc32c(pay))
    seal(img, slot)


def rename_entry(path, old, new):
    """Rename a directory entry in place (crcs made consistent)."""
    with open(path, 'rb') as f:
        img = bytearray(f.read())
    for n in range(len(img) // BS):
        if img[n * BS:n * BS + 4] != b'QDIR' or not valid(block(img, n), b'QDIR', n):
            continue
        for i in range(31):
            e = n * BS + 32 + 128 * i
            ln = struct.unpack_from('<H', img, e + 8)[0]
            if struct.unpack_from('<Q', img, e)[0] and img[e + 16:e + 16 + ln] == old:
                struct.pack_into('<H', img, e + 8, len(new))
                img[e + 16:e + 128] = new + bytes(112 - len(new))
    fix_crcs(img)
    with open(path, 'wb') as f:
        f.write(img)


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    with open(path, 'rb') as f:
        img = bytearray(f.read())
    if cmd == 'newest-slot':
        print(newest_root(img)[1])
    elif cmd == 'active-bitmap':
        root = newest_root(img)[2]
        nblocks = struct.unpack_from('<Q', img, 56)[0]
        m = (nblocks + 32511) // 32512
        print(9 + m * root[53])
    elif cmd == 'inode':
        print(newest_inode(img, int(sys.argv[3])))
    elif cmd == 'flip':
        n, off = int(sys.argv[3]), int(sys.argv[4])
        with open(path, 'r+b') as f:
            f.seek(n * BS + off)
            c = f.read(1)[0]
            f.seek(n * BS + off)
            f.write(bytes([c ^ 1]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
