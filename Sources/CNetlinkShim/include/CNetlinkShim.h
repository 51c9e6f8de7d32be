#ifndef CNETLINKSHIM_H
#define CNETLINKSHIM_H
// Kernel headers for rtnetlink (links, routes, rules, traffic control), nftables and conntrack,
// plus what Swift cannot import directly: function-like macros (NLMSG_*, RTA_*, MNL_ALIGN) and
// the _GNU_SOURCE calls setns/unshare/pipe2.
//
// glibc's <netinet/in.h> must come before any <linux/...> header that pulls in <linux/in.h>,
// otherwise struct in_addr & co. are defined twice.
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <stdint.h>
#include <stddef.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_arp.h>
#include <linux/veth.h>
#include <linux/neighbour.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/magic.h>
// Packet sockets with a classic BPF filter, eventfd and signalfd (the DHCP daemon).
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
// Policy rules and traffic control (sbr, bandwidth).
#include <linux/fib_rules.h>
#include <linux/pkt_sched.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>

/// setns(2); needs _GNU_SOURCE, which Swift's Glibc module does not define.
int cni_setns(int fd, int nstype);
/// unshare(2); needs _GNU_SOURCE.
int cni_unshare(int flags);
/// The CLONE_NEWNET flag (from <sched.h> under _GNU_SOURCE).
int cni_clone_newnet(void);
/// gettid(2).
int cni_gettid(void);
/// pipe2(2) (needs _GNU_SOURCE): both ends created atomically with `flags` (O_CLOEXEC).
int cni_pipe2(int fds[2], int flags);
/// statfs(2) f_type of a path, or -1 with errno set. Used to recognise nsfs/proc namespace files.
long cni_statfs_type(const char *path);
/// NSFS_MAGIC and PROC_SUPER_MAGIC.
long cni_nsfs_magic(void);
long cni_proc_magic(void);
/// fstatfs(2) f_type of an open descriptor, or -1 with errno set.
long cni_fstatfs_type(int fd);
/// The namespace type (CLONE_NEW*) of a namespace descriptor (ioctl NS_GET_NSTYPE, Linux 4.11+),
/// or -1 with errno set (ENOTTY when the descriptor is not a namespace).
int cni_ns_get_nstype(int fd);
/// getrandom(2) filling `buf` completely (retrying short reads and EINTR); 0, or -1 with errno set.
int cni_getrandom(void *buf, size_t len);

/// Creates a persistent tun/tap device in the calling thread's network namespace, as
/// `ip tuntap add` does: open /dev/net/tun, TUNSETIFF with `flags` (IFF_TAP, IFF_NO_PI,
/// IFF_VNET_HDR, IFF_MULTI_QUEUE), TUNSETOWNER/TUNSETGROUP unless `owner`/`group` is -1,
/// TUNSETPERSIST 1, close. `name` (at most IFNAMSIZ-1 bytes) may be a template such as "tap%d";
/// the kernel's name is written to `created` (IFNAMSIZ bytes). 0, or -1 with errno set (the
/// device is removed again when a step after TUNSETIFF fails).
int cni_tun_create(const char *name, int flags, long long owner, long long group, char *created);
/// IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE (from <linux/if_tun.h>).
int cni_iff_tap(void);
int cni_iff_no_pi(void);
int cni_iff_vnet_hdr(void);
int cni_iff_multi_queue(void);

/// MNL_ALIGN(len): netlink 4-byte alignment.
static inline size_t cni_mnl_align(size_t len) { return (len + 3U) & ~3U; }
/// NLMSG_ALIGN / NLMSG_HDRLEN.
static inline size_t cni_nlmsg_align(size_t len) { return NLMSG_ALIGN(len); }
static inline size_t cni_nlmsg_hdrlen(void) { return NLMSG_HDRLEN; }
/// NLA_ALIGN / NLA_HDRLEN.
static inline size_t cni_nla_align(size_t len) { return NLA_ALIGN(len); }
static inline size_t cni_nla_hdrlen(void) { return NLA_HDRLEN; }
/// NLA_TYPE_MASK: strips NLA_F_NESTED / NLA_F_NET_BYTEORDER from an attribute type.
static inline uint16_t cni_nla_type(uint16_t type) { return type & NLA_TYPE_MASK; }

/// The multi-call binary's plugin table: the linker gathers every plugin library's entry (Swift
/// `@section("swift_cni_plugins")`) into one section and defines these bounds (NULL when no
/// plugin is linked in, as in cnitool).
extern void *const __start_swift_cni_plugins[] __attribute__((weak, visibility("hidden")));
extern void *const __stop_swift_cni_plugins[] __attribute__((weak, visibility("hidden")));
static inline void *const *cni_plugin_table_begin(void) { return __start_swift_cni_plugins; }
static inline void *const *cni_plugin_table_end(void) { return __stop_swift_cni_plugins; }

#endif
