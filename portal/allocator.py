"""The C allocator told to hand large blocks back to the system when they are freed.

glibc raises its threshold for serving a block from a private mapping to the largest block freed so far (up
to 32 MB), so after one password check (scrypt's 8 MiB, 16 for older hashes) or one Word report every later
large block comes from the heap, which keeps its high-water mark for the rest of the worker's life: about 14 MB
a worker for nothing.
A fixed threshold (glibc's own default, 128 KiB) turns that adjustment off: a block that large is mapped and
unmapped as it comes and goes.
"""
import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
THRESHOLD = 128 * 1024


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold in this process; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
