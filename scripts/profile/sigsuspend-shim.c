// LD_PRELOAD shim for running the gateway under valgrind (scripts/profile-requests). libdispatch calls
// sigsuspend() with a mask in read-only memory; valgrind's wrapper of rt_sigsuspend writes into the mask it
// is given, so the process dies with SIGSEGV. This sigsuspend passes the kernel a copy on the stack instead.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
