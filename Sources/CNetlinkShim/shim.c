#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <errno.h>
#include <linux/nsfs.h>
#include "CNetlinkShim.h"

int cni_setns(int fd, int nstype) { return setns(fd, nstype); }
int cni_unshare(int flags) { return unshare(flags); }
int cni_clone_newnet(void) { return CLONE_NEWNET; }
int cni_gettid(void) { return (int)syscall(SYS_gettid); }
int cni_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

long cni_statfs_type(const char *path) {
    struct statfs st;
    if (statfs(path, &st) != 0) return -1;
    return (long)st.f_type;
}
long cni_nsfs_magic(void) { return NSFS_MAGIC; }
long cni_proc_magic(void) { return PROC_SUPER_MAGIC; }

long cni_fstatfs_type(int fd) {
    struct statfs st;
    if (fstatfs(fd, &st) != 0) return -1;
    return (long)st.f_type;
}

int cni_ns_get_nstype(int fd) { return ioctl(fd, NS_GET_NSTYPE); }

int cni_getrandom(void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom((char *)buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}
