"""A FUSE file system of one regular file that opens but never answers a read.

Usage: python3 fuse_silent_read.py MOUNTPOINT READY_FILE SIZE

MOUNTPOINT must be a regular file: the FUSE root is mounted over it as a file of SIZE bytes.
Attributes (cached for an hour) and the first open are answered, so stat and open return at
once, as on a sshfs or NFS mount whose server stalls later; then the daemon stops reading
/dev/fuse, so a read sleeps until the reader is killed. (A request the daemon has read is
waited for uninterruptibly: leaving it unread keeps the reader killable.) Open says
FOPEN_NOFLUSH, so that closing the file does not wait either. READY_FILE is created once
mounted. The daemon dies with its parent (PR_SET_PDEATHSIG). Written from the kernel's
protocol header (include/uapi/linux/fuse.h), without libfuse.
"""
import ctypes
import errno
import os
import signal
import struct
import sys
import time

LOOKUP, FORGET, GETATTR, OPEN, READ, RELEASE, FLUSH, INIT = 1, 2, 3, 14, 15, 18, 25, 26
INTERRUPT, DESTROY, BATCH_FORGET = 36, 38, 42
NO_REPLY = {FORGET, BATCH_FORGET, INTERRUPT}
FOPEN_NOFLUSH = 1 << 5
HOUR = 3600

libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(1, signal.SIGKILL)
mountpoint, ready, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open("/dev/fuse", os.O_RDWR)
opts = ("fd=%d,rootmode=100644,user_id=0,group_id=0" % fd).encode()
if libc.mount(b"silent", mountpoint.encode(), b"fuse.silent", 6, opts) != 0:
    sys.exit("mount: " + os.strerror(ctypes.get_errno()))


def attr():
    # fuse_attr: ino, size, blocks, atime, mtime, ctime, 3 nsec, mode, nlink, uid, gid,
    # rdev, blksize, flags.
    return struct.pack("<6Q3I7I", 1, size, (size + 511) // 512, 0, 0, 0, 0, 0, 0,
                       0o100644, 1, 0, 0, 0, 4096, 0)


def reply(unique, body=b"", error=0):
    os.write(fd, struct.pack("<IiQ", 16 + len(body), error, unique) + body)


created = False
while True:
    try:
        msg = os.read(fd, 1 << 20)
    except OSError as e:
        if e.errno in (errno.EINTR, errno.EAGAIN, errno.ENOENT):
            continue
        sys.exit(0)
    length, opcode, unique, nodeid = struct.unpack_from("<IIQQ", msg)
    if opcode == INIT:
        major, minor = struct.unpack_from("<II", msg, 40)
        # fuse_init_out of protocol 7.31: major, minor, max_readahead, flags,
        # max_background, congestion_threshold, max_write, time_gran, max_pages,
        # map_alignment, flags2, unused.
        out = struct.pack("<IIIIHHIIHHI", 7, 31, 65536, 0, 16, 12, 65536, 1, 16, 0, 0)
        reply(unique, out + b"\0" * (64 - len(out)))
        if not created:
            open(ready, "w").close()
            created = True
    elif opcode == GETATTR:
        reply(unique, struct.pack("<QII", HOUR, 0, 0) + attr())
    elif opcode == LOOKUP:
        reply(unique, error=-errno.ENOENT)
    elif opcode == OPEN:
        reply(unique, struct.pack("<QII", 1, FOPEN_NOFLUSH, 0))
        while True:
            time.sleep(HOUR)
    elif opcode in (RELEASE, FLUSH):
        reply(unique)
    elif opcode == DESTROY:
        reply(unique)
        sys.exit(0)
    elif opcode not in NO_REPLY:
        reply(unique, error=-errno.ENOSYS)
