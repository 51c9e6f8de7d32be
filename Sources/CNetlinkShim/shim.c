#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include "CNetlinkShim.h"

int cni_setns(int fd, int nstype) { return setns(fd, nstype); }
int cni_unshare(int flags) { return unshare(flags); }
int cni_clone_newnet(void) { return CLONE_NEWNET; }
int cni_gettid(void) { return (int)syscall(SYS_gettid); }

long cni_statfs_type(const char *path) {
    struct statfs st;
    if (statfs(path, &st) != 0) return -1;
    return (long)st.f_type;
}
long cni_nsfs_magic(void) { return NSFS_MAGIC; }
long cni_proc_magic(void) { return PROC_SUPER_MAGIC; }
