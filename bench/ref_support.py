"""Shared by the Python references of bench/: the process settings trainperf fixes at start-up."""
import ctypes


def configure_malloc(mode):
    """As trainperf's configure_malloc() (src/util/environment.cpp): heap blocks up to 32 MiB, trim only
    above 128 MiB free. mode "default" leaves glibc's dynamic thresholds. Returns whether they were set."""
    if mode != "fixed":
        return False
    libc = ctypes.CDLL("libc.so.6")
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 128 << 20))
