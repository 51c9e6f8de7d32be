#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <errno.h>
#include <linux/nsfs.h>
#include <linux/if_tun.h>
#include <fcntl.h>
#include <string.h>
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

int cni_iff_tap(void) { return IFF_TAP; }
int cni_iff_no_pi(void) { return IFF_NO_PI; }
int cni_iff_vnet_hdr(void) { return IFF_VNET_HDR; }
int cni_iff_multi_queue(void) { return IFF_MULTI_QUEUE; }

int cni_tun_create(const char *name, int flags, long long owner, long long group, char *created) {
    struct ifreq ifr;
    if (strlen(name) >= IFNAMSIZ) {
        errno = EINVAL;
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = (short)flags;
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) goto fail;
    if (owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)owner) != 0) goto fail;
    if (group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)group) != 0) goto fail;
    if (ioctl(fd, TUNSETPERSIST, 1UL) != 0) goto fail;
    memcpy(created, ifr.ifr_name, IFNAMSIZ);
    close(fd);
    return 0;
fail: {
        int saved = errno;
        close(fd);  /* not yet persistent: closing the descriptor removes the device */
        errno = saved;
        return -1;
    }
}
